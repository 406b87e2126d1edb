// Profiles the lifecycle benchmark in ONE thread (inline, trace off) with `node --cpu-prof` and prints
// one JSON line: µs per segment (wall, from the profiled run), the share of samples in the garbage
// collector, and the functions with the most self time (what the remaining cost is made of).
// Usage: node profile.mjs N engine(table|actor) [top 1..50]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

const N = Number(process.argv[2] ?? 10_000);
const engine = process.argv[3] ?? 'table';
const top = Number(process.argv[4] ?? 15);
if (!Number.isInteger(N) || N < 1 || N > 50_000 || !['table', 'actor'].includes(engine)) {
  console.error('profile: usage: node profile.mjs N(1..50000) table|actor [top]');
  process.exit(2);
}
if (!Number.isInteger(top) || top < 1 || top > 50) {
  console.error('profile: top must be an integer in [1, 50]');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'synack-prof-'));
const bench = new URL('./lifecycles.mjs', import.meta.url).pathname;
const out = execFileSync(
  process.execPath,
  ['--cpu-prof', '--cpu-prof-dir', dir, bench, N, engine, 0, 0, 'inline', 'off'].map(String),
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
);
const run = JSON.parse(out.trim().split('\n').pop());
const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
rmSync(dir, { recursive: true, force: true });

// Self time per function: every sample names the node it was taken in; a node's function is
// identified by name and source position (the same function reached by different stacks adds up).
const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
const selfSamples = new Map();
for (const id of profile.samples) {
  const { callFrame: f } = byNode.get(id);
  const where = f.url ? `${basename(f.url)}:${f.lineNumber + 1}` : '';
  const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
  selfSamples.set(key, (selfSamples.get(key) ?? 0) + 1);
}
const total = profile.samples.length;
const share = (key) => (100 * (selfSamples.get(key) ?? 0)) / total;
const idle = share('(idle)') + share('(program)');
const entries = [...selfSamples.entries()]
  .sort((a, b) => b[1] - a[1])
  .slice(0, top)
  .map(([fn, n]) => ({ fn, percent: Math.round((1000 * n) / total) / 10 }));
console.log(
  JSON.stringify({
    name: 'profile',
    engine,
    connections: N,
    segments: run.segments,
    ms: run.ms,
    usPerSegment: (run.ms * 1000) / run.segments,
    gcPercent: share('(garbage collector)'),
    idlePercent: idle,
    samples: total,
    top: entries,
  }),
);
