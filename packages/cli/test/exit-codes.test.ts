/**
 * The exit codes, one row per path through the real binary (src/exit-codes.ts):
 * 0 ok, 1 something ran and failed, 2 bad input or environment and nothing ran, 130 interrupted.
 * Every row also checks that no stack trace reaches the user, and the rows that fail after a run
 * check that the run's own output came first and the error is the one last line.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, type CliResult, describeResult, REPO, synack, tempDir, userEnv } from './helpers.js';

const tmp = tempDir('synack-exit-');
afterAll(() => tmp.cleanup());

const failingExpectation = tmp.write(
  'fails.yaml',
  [
    'name: fails',
    'endpoints:',
    '  - id: client',
    '    actions: [{ at: 0, do: connect, to: server, port: 80 }]',
    '  - id: server',
    '    actions: [{ at: 0, do: listen, port: 80 }]',
    'expect:',
    '  final: { client: [LISTEN] }',
  ].join('\n'),
);
const malformed = tmp.write('malformed.json', '{"name": "x", ');
const notADirectory = tmp.write('a-file', 'x');
/** Throws from a timer once the binary is running: an error no command handles (an internal error). */
const crashPreload = tmp.write('crash.mjs', "setTimeout(() => { throw new Error('boom'); }, 300);\n");

const NO_STACK = / {4}at /;

interface Row {
  what: string;
  args: string[];
  code: number;
  env?: Record<string, string>;
  /** Extra checks on the result. */
  check?: (r: CliResult) => void;
}

/** The error line after the run's own output: the last line of stderr, and stdout already has the verdict. */
function failsAfterRun(pattern: RegExp): (r: CliResult) => void {
  return (r) => {
    expect(r.stdout, describeResult(r)).toMatch(/run completed|run failed|wrote /);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.at(-1), describeResult(r)).toMatch(pattern);
  };
}

/** Nothing ran: stdout empty, one line on stderr naming the problem. */
function nothingRan(pattern: RegExp): (r: CliResult) => void {
  return (r) => {
    expect(r.stdout, describeResult(r)).toBe('');
    expect(r.stderr.split('\n')[0], describeResult(r)).toMatch(pattern);
  };
}

const ROWS: Row[] = [
  { what: 'run ok', args: ['run', 'handshake'], code: 0 },
  { what: '--version', args: ['--version'], code: 0 },
  { what: 'list', args: ['list'], code: 0 },
  { what: 'run --help', args: ['run', '--help'], code: 0 },
  { what: 'expectation missed', args: ['run', failingExpectation], code: 1 },
  { what: 'run failed (virtual-time limit)', args: ['run', 'handshake', '--max-time', '5'], code: 1 },
  {
    what: 'pcap write error after the run',
    args: ['run', 'handshake', '--pcap', '/dev/full'],
    code: 1,
    check: failsAfterRun(/^synack: --pcap: cannot write \/dev\/full \(ENOSPC\); the capture is incomplete$/),
  },
  {
    what: 'memory budget exceeded',
    args: ['run', 'handshake'],
    env: { SYNACK_MEMORY_BUDGET_MB: '16' },
    code: 1,
    check: (r) => expect(r.stdout).toMatch(/run failed: memory budget of 16 MB exceeded/),
  },
  {
    what: 'internal error (one line, no stack)',
    args: ['run', 'handshake', '--realtime', '0.01'],
    env: { NODE_OPTIONS: `--import ${crashPreload}` },
    code: 1,
    check: (r) =>
      expect(r.stderr).toMatch(
        /^synack: internal error \(a bug in synack, please report it at .*\): Error: boom — run again with --debug/m,
      ),
  },
  {
    what: 'unknown scenario',
    args: ['run', 'no-such-scenario'],
    code: 2,
    check: nothingRan(/unknown scenario/),
  },
  { what: 'unknown flag', args: ['run', '--bogus'], code: 2, check: nothingRan(/unknown option/) },
  { what: 'bad flag value', args: ['run', '--loss', '2'], code: 2, check: nothingRan(/--loss/) },
  {
    what: 'repeated flag',
    args: ['run', '--seed', '1', '--seed', '2'],
    code: 2,
    check: nothingRan(/--seed is given more than once/),
  },
  { what: 'malformed scenario file', args: ['run', malformed], code: 2, check: nothingRan(/malformed JSON/) },
  {
    what: 'scenario beyond the size cap',
    args: ['run', '/dev/zero'],
    code: 2,
    check: nothingRan(/larger than 1048576 bytes/),
  },
  {
    what: 'empty --pcap',
    args: ['run', 'handshake', '--pcap', ''],
    code: 2,
    check: nothingRan(/--pcap: the file name is empty/),
  },
  {
    what: 'pcap directory missing',
    args: ['run', 'handshake', '--pcap', join(tmp.dir, 'missing', 'x.pcap')],
    code: 2,
    check: nothingRan(/--pcap: cannot write .*\(ENOENT\)/),
  },
  {
    what: 'bad SYNACK_MEMORY_BUDGET_MB',
    args: ['run', 'handshake'],
    env: { SYNACK_MEMORY_BUDGET_MB: '1e99' },
    code: 2,
    check: nothingRan(/SYNACK_MEMORY_BUDGET_MB/),
  },
  {
    what: 'sweep: empty --out',
    args: ['sweep', '--runs', '1', '--out', ''],
    code: 2,
    check: nothingRan(/--out: the directory name is empty/),
  },
  {
    what: 'sweep: --out under a file',
    args: ['sweep', '--runs', '1', '--out', join(notADirectory, 'sub')],
    code: 2,
    check: nothingRan(/--out: cannot create .*\(ENOTDIR\)/),
  },
  {
    what: 'sweep: grid too large (checked before expansion)',
    args: [
      'sweep',
      '--loss',
      '0:0.999:0.001',
      '--delay',
      '0:999:1',
      '--jitter',
      '0:999:1',
      '--out',
      join(tmp.dir, 'never'),
    ],
    code: 2,
    check: nothingRan(/1000000000 grid points × 100 runs/),
  },
  {
    what: 'sweep ok',
    args: ['sweep', '--runs', '2', '--loss', '0,0.1', '--no-progress', '--out', join(tmp.dir, 'ok')],
    code: 0,
  },
];

describe.concurrent('exit codes: one row per path (real binary)', () => {
  it.each(ROWS)('$what → $code', async (row) => {
    const r = await synack(row.args, { env: row.env, timeoutMs: 60_000 });
    expect(r.code, describeResult(r)).toBe(row.code);
    expect(r.stderr + r.stdout, 'a stack trace').not.toMatch(NO_STACK);
    if (row.code === 2 || row.code === 0) expect(r.stderr).not.toMatch(/internal error/);
    row.check?.(r);
  });

  it('internal error with --debug (or SYNACK_DEBUG=1) → 1, with the stack', async () => {
    const env = { NODE_OPTIONS: `--import ${crashPreload}` };
    for (const r of [
      await synack(['run', 'handshake', '--realtime', '0.01', '--debug'], { env }),
      await synack(['run', 'handshake', '--realtime', '0.01'], { env: { ...env, SYNACK_DEBUG: '1' } }),
    ]) {
      expect(r.code, describeResult(r)).toBe(1);
      expect(r.stderr).toMatch(/internal error.*boom\nError: boom\n {4}at /);
    }
  });

  it('stdout on a full disk → 1, one line naming the error, no internal error', async () => {
    const r = await shell(`exec "${process.execPath}" "${BIN}" run handshake > /dev/full`);
    expect(r.code, describeResult(r)).toBe(1);
    expect(r.stderr).toBe('synack: cannot write the output (ENOSPC)\n');
  });

  it('sweep: a write error after the runs → 1, after the report, no truncated file left', async () => {
    // A file-size limit (RLIMIT_FSIZE) lets config.json (before the runs) through and makes the
    // larger runs.csv fail with EFBIG after them.
    const out = join(tmp.dir, 'efbig');
    const r = await shell(
      `ulimit -f 24; exec "${process.execPath}" "${BIN}" sweep --runs 400 --loss 0 --no-progress --out "${out}"`,
    );
    expect(r.code, describeResult(r)).toBe(1);
    expect(r.stdout).toMatch(/synack sweep handshake/);
    expect(r.stderr.trimEnd().split('\n').at(-1), describeResult(r)).toMatch(
      /^synack: --out: cannot write .*runs\.csv \(EFBIG\)$/,
    );
    expect(readdirSync(out).sort()).toEqual(['config.json']);
  });
});

describe('exit code 130: interrupted', () => {
  it('run: Ctrl-C → 130 and one line', async () => {
    const r = await interrupt(
      ['run', 'lifecycle', '--realtime', '0.01', '--format', 'jsonl'],
      /SYN/,
      'stdout',
    );
    expect(r.code, describeResult(r)).toBe(130);
    expect(r.stderr.trim()).toBe('synack: interrupted');
  });

  it('sweep: Ctrl-C → 130, results so far written', async () => {
    const out = join(tmp.dir, 'interrupted');
    const r = await interrupt(
      ['sweep', 'lifecycle', '--runs', '100000', '--concurrency', '1', '--out', out],
      // A progress line: the runs (and the sweep's SIGINT handler) have started.
      /\d+\/100000 runs/,
      'stderr',
    );
    expect(r.code, describeResult(r)).toBe(130);
    expect(r.stdout).toMatch(/interrupted after \d+ of 100000 runs/);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { interrupted: boolean };
    expect(summary.interrupted).toBe(true);
  });
});

describe('sweep output directory written afresh', () => {
  it('removes an earlier sweep’s plots and results, keeps other files', async () => {
    const out = join(tmp.dir, 'reused');
    mkdirSync(out);
    writeFileSync(join(out, 'stale-plot.svg'), '<svg/>');
    writeFileSync(join(out, 'runs.csv'), 'stale');
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const r = await synack(['sweep', '--runs', '2', '--loss', '0', '--no-progress', '--out', out]);
    expect(r.code, describeResult(r)).toBe(0);
    const files = readdirSync(out);
    expect(files).not.toContain('stale-plot.svg');
    expect(files).toContain('notes.txt');
    expect(readFileSync(join(out, 'runs.csv'), 'utf8')).not.toBe('stale');
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(existsSync(join(out, 'config.json'))).toBe(true);
  });
});

/** Runs a shell command line (for ulimit), resolving like `synack`. */
function shell(command: string): Promise<CliResult> {
  return collect(spawn('bash', ['-c', command], { cwd: REPO, env: userEnv() }), ['bash', '-c', command]);
}

/** Starts the binary, sends SIGINT once `ready` shows on the given stream, resolves on exit. */
function interrupt(args: string[], ready: RegExp, stream: 'stdout' | 'stderr'): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: userEnv() });
  let seen = '';
  let sent = false;
  child[stream].on('data', (chunk: Buffer) => {
    seen += chunk.toString('utf8');
    if (!sent && ready.test(seen)) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  return collect(child, args);
}

function collect(child: ReturnType<typeof spawn>, args: string[]): Promise<CliResult> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
  // A hang becomes a failure, not a stuck suite.
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        wallMs: 0,
        args,
      });
    });
  });
}
