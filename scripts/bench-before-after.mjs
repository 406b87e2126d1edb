// Issue 13's budget: "the lifecycle benchmark may not slow down by more than 10 % (before / after
// the data path in one BENCHMARKS.md run)". Builds the last commit before the data path landed in a
// git worktree (the parent of the first commit of packages/core/src/congestion), then runs the SAME
// lifecycle script (this tree's packages/network/bench/lifecycles.mjs, copied next to the old dist)
// on both trees, alternating, and prints one JSON line per run.
// Usage: node scripts/bench-before-after.mjs N(1..50000) rounds(1..10) [worker|inline]
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const N = Number(process.argv[2] ?? 10_000);
const rounds = Number(process.argv[3] ?? 3);
const threads = process.argv[4] ?? 'worker';
if (!Number.isInteger(N) || N < 1 || N > 50_000 || !Number.isInteger(rounds) || rounds < 1 || rounds > 10) {
  console.error(
    'bench-before-after: usage: node scripts/bench-before-after.mjs N(1..50000) rounds(1..10) [worker|inline]',
  );
  process.exit(2);
}
if (threads !== 'worker' && threads !== 'inline') {
  console.error('bench-before-after: threads must be worker or inline');
  process.exit(2);
}
const BEFORE_DIR = '/tmp/synack-before';
const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();

/**
 * The parent of the data path's first commit: the earlier of the first commit touching core's
 * congestion/ and the first whose message names the data path (issue 13 landed in pieces from several
 * sessions: network and cli commits for it precede congestion/, and the tree at congestion/'s parent
 * does not build).
 */
function commitBeforeDataPath() {
  const firstOf = (...args) => git('log', '--reverse', '--topo-order', '--format=%H', ...args).split('\n')[0];
  const candidates = [firstOf('--', 'packages/core/src/congestion'), firstOf('--grep=data path')].filter(
    Boolean,
  );
  // The one with fewer ancestors came first.
  const depth = (c) => Number(git('rev-list', '--count', c));
  const first = candidates.sort((a, b) => depth(a) - depth(b))[0];
  return git('rev-parse', `${first}^`);
}

/** A worktree of `commit` at BEFORE_DIR with core and network built (reused when already there). */
function prepareBefore(commit) {
  const pnpm = (args, cwd) =>
    execFileSync('npx', ['-y', 'pnpm@12.4.2', ...args], { cwd, stdio: ['ignore', 'ignore', 'inherit'] });
  if (!existsSync(join(BEFORE_DIR, '.git'))) git('worktree', 'add', '--detach', BEFORE_DIR, commit);
  const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: BEFORE_DIR, encoding: 'utf8' }).trim();
  if (head !== commit)
    throw new Error(`${BEFORE_DIR} is at ${head}, expected ${commit}: remove it (git worktree remove)`);
  if (!existsSync(join(BEFORE_DIR, 'node_modules')))
    pnpm(['install', '--frozen-lockfile', '--offline'], BEFORE_DIR);
  for (const pkg of ['core', 'network'])
    if (!existsSync(join(BEFORE_DIR, 'packages', pkg, 'dist', 'index.js')))
      pnpm(['build'], join(BEFORE_DIR, 'packages', pkg));
  copyFileSync(
    join(root, 'packages/network/bench/lifecycles.mjs'),
    join(BEFORE_DIR, 'packages/network/bench/lifecycles-now.mjs'),
  );
}

function runLifecycles(tree, script) {
  const out = execFileSync(
    process.execPath,
    [join(tree, 'packages/network/bench', script), N, 'table', 0, 0, threads].map(String),
    {
      cwd: join(tree, 'packages/network'),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return JSON.parse(out.trim().split('\n').pop());
}

const commit = commitBeforeDataPath();
prepareBefore(commit);
const after = git('rev-parse', 'HEAD');
// Alternate, so a drift in the shared machine's load hits both sides alike.
for (let round = 1; round <= rounds; round++) {
  for (const [side, tree, script, at] of [
    ['before', BEFORE_DIR, 'lifecycles-now.mjs', commit],
    ['after', root, 'lifecycles.mjs', after],
  ]) {
    const r = runLifecycles(tree, script);
    console.log(JSON.stringify({ ...r, name: 'before-after', side, commit: at.slice(0, 7), round }));
  }
}
