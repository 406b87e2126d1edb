/**
 * Drives the real `synack` binary (packages/cli/dist/bin.js) the way a user
 * does: a separate node process, no TTY, NO_COLOR unset, and nothing but its
 * exit code, stdout and stderr to judge it by.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO = resolve(CLI_DIR, '../..');
export const BIN = join(CLI_DIR, 'dist/bin.js');

/** The 17 built-in scenarios the CLI promises (src/scenarios.ts). */
export const SCENARIO_NAMES = [
  'handshake',
  'handshake-with-data',
  'lifecycle',
  'simultaneous-open',
  'simultaneous-close',
  'half-close',
  'lost-syn',
  'lost-synack',
  'lost-final-ack',
  'old-duplicate-syn',
  'half-open',
  'half-open-keepalive',
  'rst-abort',
  'syn-flood',
  'syn-cookies',
  'isn-spoofing',
  'isn-spoofing-rfc6528',
  'lossy-transfer',
  'bulk-transfer',
] as const;

export interface CliResult {
  /** Exit code (null when killed by a signal). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall-clock milliseconds from spawn to exit. */
  wallMs: number;
  args: string[];
}

export interface RunOptions {
  cwd?: string;
  /** Kill the process after this many ms (turns a hang into a failure). */
  timeoutMs?: number;
  env?: Record<string, string | undefined>;
}

/** The environment of a user's shell: no NO_COLOR / FORCE_COLOR from the test runner. */
export function userEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of [
    'NO_COLOR',
    'FORCE_COLOR',
    'NODE_OPTIONS',
    'VITEST',
    'VITEST_WORKER_ID',
    'VITEST_POOL_ID',
  ]) {
    delete env[key];
  }
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

let checked = false;
/** Fails loudly (instead of testing a stale or missing build) when dist/bin.js is absent. */
export function assertBuilt(): void {
  if (checked) return;
  if (!existsSync(BIN)) {
    throw new Error(
      `${BIN} does not exist — build first: cd packages/core && npx tsc -p tsconfig.json; ` +
        'cd ../network && npx tsc -p tsconfig.json; cd ../cli && npx tsc -p tsconfig.json (or `npx -y pnpm@12.4.2 build` in the repository root)',
    );
  }
  const newestSrc = Math.max(
    ...readdirSync(join(CLI_DIR, 'src'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => statSync(join(CLI_DIR, 'src', f)).mtimeMs),
  );
  if (
    newestSrc > statSync(BIN).mtimeMs + 1000 &&
    newestSrc > statSync(join(CLI_DIR, 'dist/main.js')).mtimeMs + 1000
  ) {
    console.warn('[cli tests] packages/cli/src is newer than dist/ — rebuild if results look stale');
  }
  checked = true;
}

/** Runs `node dist/bin.js ...args` and resolves with what a user would see. Never rejects on exit code. */
export function synack(args: string[], options: RunOptions = {}): Promise<CliResult> {
  assertBuilt();
  const start = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? REPO,
      env: userEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        wallMs: performance.now() - start,
        args,
      });
    });
  });
}

/** Synchronous variant, for collection time (e.g. to iterate `synack list`). */
export function synackSync(args: string[], options: RunOptions = {}): CliResult {
  assertBuilt();
  const start = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? REPO,
    env: userEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 30_000,
  });
  if (r.error) throw r.error;
  return {
    code: r.status,
    signal: r.signal,
    stdout: r.stdout,
    stderr: r.stderr,
    wallMs: performance.now() - start,
    args,
  };
}

/** Runs `tasks` with at most `limit` in flight; results keep the input order. */
export async function pool<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, tasks.length) }, async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  });
  await Promise.all(workers);
  return results;
}

/** A fresh temp directory (fs.mkdtempSync under os.tmpdir()) and a way to write files into it. */
export function tempDir(prefix = 'synack-cli-'): {
  dir: string;
  write: (name: string, text: string) => string;
  cleanup: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    write: (name, text) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A compact description of a result for assertion messages. */
export function describeResult(r: CliResult): string {
  const clip = (s: string) => (s.length > 3000 ? `${s.slice(0, 1500)}\n…\n${s.slice(-1500)}` : s);
  return `synack ${r.args.join(' ')} → exit ${r.code}${r.signal ? ` (${r.signal})` : ''}\n--- stdout ---\n${clip(r.stdout)}\n--- stderr ---\n${clip(r.stderr)}`;
}

// ---------------------------------------------------------------------------
// Reading the text ladder

export interface LadderLine {
  /** Virtual time in seconds, as printed. */
  t: number;
  /** The whole line. */
  text: string;
  /** Index of the line in stdout. */
  index: number;
}

/** Every timed line of the ladder ("   0.010 s  ..."). */
export function ladderLines(stdout: string): LadderLine[] {
  const lines: LadderLine[] = [];
  stdout.split('\n').forEach((text, index) => {
    const m = /^\s*(\d+\.\d{3}) s {2}/.exec(text);
    if (m) lines.push({ t: Number(m[1]), text, index });
  });
  return lines;
}

/** Column of each endpoint's lane, read from the header row ("       time  client      server"). */
export function laneColumns(stdout: string): Map<string, number> {
  const header = stdout.split('\n').find((l) => /^\s+time {2}\S/.test(l));
  if (!header) throw new Error(`no ladder header in:\n${stdout}`);
  const columns = new Map<string, number>();
  const re = /\S+/g;
  for (let m = re.exec(header); m; m = re.exec(header)) {
    if (m[0] !== 'time') columns.set(m[0], m.index);
  }
  return columns;
}

/** Lines where `text` is written in `endpoint`'s lane (state changes, app events, host drops). */
export function inLane(stdout: string, endpoint: string, text: string): LadderLine[] {
  const col = laneColumns(stdout).get(endpoint);
  if (col === undefined) throw new Error(`no lane for ${endpoint}`);
  return ladderLines(stdout).filter((l) => l.text.startsWith(text, col));
}

/** Times (s) at which `text` appears in `endpoint`'s lane. */
export function laneTimes(stdout: string, endpoint: string, text: string): number[] {
  return inLane(stdout, endpoint, text).map((l) => l.t);
}

/** Arrow lines (segments) from `from` to `to` whose label matches `label`. */
export function arrows(stdout: string, from: string, to: string, label: RegExp): LadderLine[] {
  const lanes = laneColumns(stdout);
  const a = lanes.get(from);
  const b = lanes.get(to);
  if (a === undefined || b === undefined) throw new Error(`no lanes for ${from} → ${to}`);
  return ladderLines(stdout).filter((l) => {
    if (!label.test(l.text)) return false;
    const left = Math.min(a, b);
    const start = l.text[left];
    // A rightward arrow starts with ├ at the sender's lane; a leftward one with ◀ at the receiver's.
    // A lost one is cut short (✕) but still begins at the left lane ("├" or blank for a leftward cut).
    if (a < b) return start === '├';
    return start === '◀' || (start === ' ' && l.text.includes('✕') && l.text[a] === '┤');
  });
}
