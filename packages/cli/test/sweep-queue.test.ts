/**
 * `synack sweep --queue` and `synack worker` against a real redis-server started here (an
 * ephemeral loopback port, a temporary directory): summaries byte-identical to a local sweep,
 * a worker SIGKILLed mid-batch, Redis restarted mid-sweep (append-only file on, and off),
 * Ctrl-C then --resume, --status, and the one-line errors. Small sweeps: CI has 2 cores.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { planJobs } from '../src/sweep/job.js';
import { planSweep } from '../src/sweep/plan.js';
import { batchesOf } from '../src/sweep/queue/enqueue.js';
import { encodeJobs, QUEUE_NAME } from '../src/sweep/queue/protocol.js';
import { parseQueueUrl } from '../src/sweep/queue/url.js';
import { assertBuilt, BIN, CLI_DIR, describeResult, REPO, synack, tempDir, userEnv } from './helpers.js';
import { disposeAllRedis, RedisServer } from './redis-server.js';

const tmp = tempDir('synack-queue-');
/** The sweep every queue test compares with the local executor: 2 points × 24 runs. */
const SWEEP = ['sweep', 'handshake', '--loss', '0.1,0.3', '--runs', '24', '--seed', '3'];
const SLOW = { timeoutMs: 180_000 };
/** Per test: several processes start (about 2 s each on a busy 2-core machine) and a sweep runs. */
const TEST_MS = 180_000;

interface Background {
  proc: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
  /** Resolves when stderr matches (rejects after `ms`). */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
}

const started: Background[] = [];

/** `node dist/bin.js …args` in the background, stderr collected (workers, interrupted sweeps). */
function background(args: string[]): Background {
  assertBuilt();
  const proc = spawn(process.execPath, [BIN, ...args], {
    cwd: REPO,
    env: userEnv(),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const bg: Background = {
    proc,
    stderr: () => err,
    exited,
    async waitFor(pattern, ms = 60_000) {
      const deadline = performance.now() + ms;
      for (;;) {
        const match = err.match(pattern);
        if (match) return match;
        if (performance.now() > deadline || proc.exitCode !== null) {
          throw new Error(`no ${pattern} in stderr:\n${err}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
  started.push(bg);
  return bg;
}

function worker(url: string, extra: string[] = []): Background {
  return background(['worker', '--queue', url, '--concurrency', '1', '--verbose', ...extra]);
}

/** SIGTERM every background process still running, and waits for them. */
async function stopAll(): Promise<void> {
  const running = started.splice(0).filter((b) => b.proc.exitCode === null && b.proc.signalCode === null);
  for (const b of running) b.proc.kill('SIGTERM');
  await Promise.all(running.map((b) => b.exited));
}

function read(dir: string, file: string): string {
  return readFileSync(join(dir, file), 'utf8');
}

/** summary.json without the wall-clock fields (which differ between any two runs). */
function summaryPoints(dir: string): unknown {
  const { wallMs: _w, runsPerSec: _r, concurrency: _c, ...rest } = JSON.parse(read(dir, 'summary.json'));
  return rest;
}

function expectSameAsLocal(dir: string): void {
  expect(read(dir, 'runs.csv')).toBe(read(localDir, 'runs.csv'));
  expect(read(dir, 'summary.csv')).toBe(read(localDir, 'summary.csv'));
  expect(summaryPoints(dir)).toEqual(summaryPoints(localDir));
}

const localDir = join(tmp.dir, 'local');
let redis: RedisServer;

beforeAll(async () => {
  redis = await RedisServer.start({ appendonly: true });
  const local = await synack([...SWEEP, '--out', localDir, '--no-progress'], SLOW);
  expect(local.code, describeResult(local)).toBe(0);
}, 240_000);

afterEach(stopAll);

afterAll(async () => {
  await stopAll();
  await disposeAllRedis();
  tmp.cleanup();
});

describe('queue URL and batches (in process)', () => {
  it('accepts redis:// and rediss:// with a password and a database, and hides the password', () => {
    const q = parseQueueUrl('rediss://:s3cret@cache.example:6380/2');
    expect(q).toMatchObject({ tls: true, host: 'cache.example', port: 6380, db: 2 });
    expect(q.shown).toBe('rediss://:***@cache.example:6380/2');
    expect(parseQueueUrl('redis://127.0.0.1')).toMatchObject({ tls: false, port: 6379, db: 0 });
  });

  it.each([
    ['http://127.0.0.1:6379', /scheme must be redis/],
    ['redis://127.0.0.1:6379/16', /database must be in \[0, 15\]/],
    ['redis://127.0.0.1:6379/x', /database number/],
    ['redis://127.0.0.1:0', /port must be/],
    ['not a url', /not a URL/],
  ])('rejects %s', (url, message) => {
    expect(() => parseQueueUrl(url)).toThrow(message);
  });

  it('cuts batches at grid-point boundaries and at the batch size, every job exactly once', () => {
    const plan = planSweep({ target: 'handshake', grid: { loss: [0, 0.1] }, runs: 7 });
    const batches = [...batchesOf(planJobs(plan.jobs), 3)];
    expect(batches.map((b) => b.map((j) => j.id))).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [6],
      [7, 8, 9],
      [10, 11, 12],
      [13],
    ]);
  });
});

describe.concurrent('one-line input errors (exit 2)', () => {
  it.each([
    [['sweep', '--queue', 'http://localhost:1'], /^synack: --queue: .*scheme must be redis/],
    [['sweep', '--queue', 'redis://127.0.0.1:1', '--runs', '1'], /^synack: --queue: cannot reach Redis/],
    [['sweep', '--resume', 'abc'], /^synack: --resume and --status need --queue URL$/],
    [['sweep', '--queue', 'redis://127.0.0.1:1', '--status', 'BAD-ID'], /not a sweep id/],
    [['sweep', '--queue', 'redis://127.0.0.1:1', '--batch', '0'], /--batch <n>/],
    [['worker', '--queue', 'redis://127.0.0.1:1'], /^synack: --queue: cannot reach Redis/],
    [['worker', '--queue', 'redis://127.0.0.1:1', '--concurrency', '999'], /--concurrency <n>/],
    [['worker', '--queue', 'redis://127.0.0.1:1', '--stall-interval', '10'], /--stall-interval <ms>/],
  ])('%j', async (args, message) => {
    const r = await synack(args);
    expect(r.code, describeResult(r)).toBe(2);
    expect(r.stderr.trim().split('\n')[0]).toMatch(message);
  });

  it('--status of an unknown sweep', async () => {
    const r = await synack(['sweep', '--queue', redis.url, '--status', 'nosuchsweep']);
    expect(r.code, describeResult(r)).toBe(2);
    expect(r.stderr).toBe(`synack: no sweep nosuchsweep on ${redis.url}\n`);
  });
});

describe('a sweep on two queue workers', () => {
  it(
    'writes runs.csv, summary.csv and summary.json identical to the local executor, progress from the queue',
    async () => {
      await Promise.all([worker(redis.url), worker(redis.url)].map((w) => w.waitFor(/consuming/)));
      const out = join(tmp.dir, 'two-workers');
      const r = await synack([...SWEEP, '--queue', redis.url, '--batch', '10', '--out', out], SLOW);
      expect(r.code, describeResult(r)).toBe(0);
      expectSameAsLocal(out);
      expect(r.stderr).toMatch(/^sweep: id [0-9a-f]{10} on redis:\/\/127\.0\.0\.1:\d+: 6 batches queued/m);
      expect(r.stderr).toMatch(
        // The worker count is the queue's live view: 0–2 by the time the last batch is in.
        /^sweep: 48\/48 runs \(100\.0 %\), \d+ runs\/s, ETA 0 s, [0-2] workers?, 0 failed$/m,
      );
      const id = (r.stderr.match(/sweep: id (\w+)/) as RegExpMatchArray)[1];
      const status = await synack(['sweep', '--queue', redis.url, '--status', id]);
      expect(status.stdout).toContain(`sweep ${id} on ${redis.url}: done\n  runs     48/48 (100.0 %)\n`);
    },
    TEST_MS,
  );
});

describe('faults', () => {
  const stall = ['--stall-interval', '1500'];

  it(
    'a worker SIGKILLed mid-batch: another worker runs the batch after the stall interval, no run lost or counted twice',
    async () => {
      const workers = [worker(redis.url, stall), worker(redis.url, stall), worker(redis.url, stall)];
      await Promise.all(workers.map((w) => w.waitFor(/consuming/)));
      const out = join(tmp.dir, 'killed-worker');
      const sweep = background([...SWEEP, '--queue', redis.url, '--batch', '8', '--out', out]);
      const [victim, ...survivors] = workers;
      const [, batch] = await victim.waitFor(/batch (\S+) started/);
      victim.proc.kill('SIGKILL');
      expect(await sweep.exited, sweep.stderr()).toBe(0);
      expectSameAsLocal(out);
      // The progress line counts the stalled batch (more, should a busy machine stall a live worker too).
      expect(sweep.stderr()).toMatch(
        /^sweep: 48\/48 runs \(100\.0 %\), \d+ runs\/s, ETA 0 s, 2 workers, [1-9]\d* failed$/m,
      );
      // The victim died holding the batch; a survivor stored it.
      expect(victim.stderr()).not.toContain(`batch ${batch} stored`);
      expect(survivors.map((w) => w.stderr()).join('')).toContain(`batch ${batch} stored`);
      for (const w of survivors) w.proc.kill('SIGTERM');
      expect(await Promise.all(survivors.map((w) => w.exited))).toEqual([0, 0]);
      for (const w of survivors)
        expect(w.stderr()).toMatch(/^worker: stopped after \d+ batches \(\d+ runs\)$/m);
    },
    TEST_MS,
  );

  it(
    'Redis restarted mid-sweep with the append-only file: the sweep waits, continues, and gives the local result',
    async () => {
      const workers = [worker(redis.url, stall), worker(redis.url, stall)];
      await Promise.all(workers.map((w) => w.waitFor(/consuming/)));
      const out = join(tmp.dir, 'redis-restart');
      const sweep = background([
        ...SWEEP,
        '--queue',
        redis.url,
        '--batch',
        '4',
        '--out',
        out,
        '--no-progress',
      ]);
      await workers[0].waitFor(/batch \S+ stored/);
      expect(sweep.proc.exitCode).toBe(null);
      await redis.stop();
      await new Promise((r) => setTimeout(r, 1000));
      await redis.launch();
      expect(await sweep.exited, sweep.stderr()).toBe(0);
      expect(sweep.stderr()).toMatch(/^sweep: Redis unreachable \(.*\); waiting for it$/m);
      expectSameAsLocal(out);
    },
    TEST_MS,
  );

  it(
    'Redis restarted without persistence: the sweep fails in one line and writes no result',
    async () => {
      const bare = await RedisServer.start({ appendonly: false });
      try {
        const out = join(tmp.dir, 'redis-lost');
        const sweep = background([...SWEEP, '--queue', bare.url, '--out', out, '--no-progress']);
        await sweep.waitFor(/batches queued/);
        await bare.stop();
        await bare.launch();
        expect(await sweep.exited, sweep.stderr()).toBe(1);
        const lines = sweep.stderr().trimEnd().split('\n');
        expect(lines.at(-1)).toMatch(
          /^synack: sweep \w+: its state is gone from Redis at redis:\/\/127\.0\.0\.1:\d+ \(restarted without persistence, or flushed\); no result written$/,
        );
        expect(existsSync(join(out, 'runs.csv'))).toBe(false);
      } finally {
        await bare.dispose();
      }
    },
    TEST_MS,
  );
});

describe('Ctrl-C, --status, --resume', () => {
  it(
    'Ctrl-C removes the pending batches (exit 130); --status reports the sweep; --resume finishes it as a local sweep would',
    async () => {
      const out = join(tmp.dir, 'resumed');
      const sweep = background([
        ...SWEEP,
        '--queue',
        redis.url,
        '--batch',
        '8',
        '--out',
        out,
        '--no-progress',
      ]);
      const [, id] = await sweep.waitFor(/sweep: id (\w+) .*6 batches queued, 0 workers connected/);
      expect(redis.cli('LLEN', 'bull:synack-sweep:wait')).toBe('6');
      sweep.proc.kill('SIGINT');
      expect(await sweep.exited, sweep.stderr()).toBe(130);
      expect(sweep.stderr()).toMatch(/^sweep: removed 6 pending batches from the queue \(0 in flight/m);
      expect(redis.cli('LLEN', 'bull:synack-sweep:wait')).toBe('0');
      const status = await synack(['sweep', '--queue', redis.url, '--status', id]);
      expect(status.code, describeResult(status)).toBe(0);
      expect(status.stdout).toBe(
        `sweep ${id} on ${redis.url}: interrupted\n  runs     0/48 (0.0 %)\n  batches  0 done, 0 running, 0 failed (8 runs each)\n  workers  0 connected to the queue\n`,
      );
      await Promise.all([worker(redis.url), worker(redis.url)].map((w) => w.waitFor(/consuming/)));
      const resumed = await synack(['sweep', '--queue', redis.url, '--resume', id, '--no-progress'], SLOW);
      expect(resumed.code, describeResult(resumed)).toBe(0);
      expectSameAsLocal(out);
    },
    TEST_MS,
  );
});

describe('the README recipe: a password-protected Redis', () => {
  it('a lossy-transfer sweep through a worker with the password in the URL gives the local result; a wrong password is one line, exit 2', async () => {
    const secured = await RedisServer.start({ appendonly: true, password: 'recipe-pw-7f3a' });
    try {
      const wrong = await synack(['worker', '--queue', `redis://:nope@127.0.0.1:${secured.port}`]);
      expect(wrong.code, describeResult(wrong)).toBe(2);
      expect(wrong.stderr).toMatch(
        /^synack: --queue: cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ \(WRONGPASS[^\n]*\)\n$/,
      );
      const noPassword = await synack([
        'sweep',
        '--queue',
        `redis://127.0.0.1:${secured.port}`,
        '--runs',
        '1',
      ]);
      expect(noPassword.code, describeResult(noPassword)).toBe(2);
      expect(noPassword.stderr).toMatch(/^synack: --queue: cannot reach Redis at .*NOAUTH/);
      await worker(`${secured.url}/0`).waitFor(/consuming/);
      const args = ['sweep', 'lossy-transfer', '--loss', '0.05', '--runs', '2', '--seed', '2'];
      const local = join(tmp.dir, 'recipe-local');
      const queued = join(tmp.dir, 'recipe-queue');
      const l = await synack([...args, '--out', local, '--no-progress'], SLOW);
      expect(l.code, describeResult(l)).toBe(0);
      const q = await synack(
        [...args, '--queue', `${secured.url}/0`, '--out', queued, '--no-progress'],
        SLOW,
      );
      expect(q.code, describeResult(q)).toBe(0);
      expect(q.stderr).not.toContain('recipe-pw-7f3a');
      expect(read(queued, 'runs.csv')).toBe(read(local, 'runs.csv'));
      expect(read(queued, 'summary.csv')).toBe(read(local, 'summary.csv'));
    } finally {
      await stopAll();
      await secured.dispose();
    }
  }, 240_000);
});

describe('a batch lost by Redis', () => {
  it(
    'a batch gone from the queue without results: after 10 s without a row the sweep fails in one line; --resume queues it again',
    async () => {
      const out = join(tmp.dir, 'vanished');
      const sweep = background([
        ...SWEEP,
        '--queue',
        redis.url,
        '--batch',
        '24',
        '--out',
        out,
        '--no-progress',
      ]);
      const [, id] = await sweep.waitFor(/sweep: id (\w+) .*2 batches queued/);
      // What a Redis that lost recent writes looks like: the job is neither queued nor done.
      const lost = `${id}-p1-r0`;
      expect(redis.cli('LREM', 'bull:synack-sweep:wait', '0', lost)).toBe('1');
      expect(redis.cli('DEL', `bull:synack-sweep:${lost}`)).toBe('1');
      await worker(redis.url).waitFor(/consuming/);
      expect(await sweep.exited, sweep.stderr()).toBe(1);
      expect(sweep.stderr().trimEnd().split('\n').at(-1)).toBe(
        `synack: sweep ${id}: 1 batch vanished from the queue without results (Redis lost data, e.g. ${lost}); --resume ${id} queues them again`,
      );
      const resumed = await synack(['sweep', '--queue', redis.url, '--resume', id, '--no-progress'], SLOW);
      expect(resumed.code, describeResult(resumed)).toBe(0);
      expectSameAsLocal(out);
    },
    TEST_MS,
  );
});

describe('a batch planned by another synack version', () => {
  it(
    'the worker refuses it: the batch fails for good, naming both versions',
    async () => {
      await worker(redis.url).waitFor(/consuming/);
      const { Queue } = await import('bullmq');
      const queue = new Queue(QUEUE_NAME, { connection: { url: redis.url } });
      try {
        const payload = {
          sweepId: 'otherversion',
          synack: '0.0.0-other',
          point: 0,
          runs: 1,
          jobs: encodeJobs([]),
        };
        const job = await queue.add('batch', payload, { jobId: 'otherversion-p0-r0', attempts: 3 });
        for (let i = 0; i < 300 && (await job.getState()) !== 'failed'; i++) {
          await new Promise((r) => setTimeout(r, 100));
        }
        const failed = await queue.getJob('otherversion-p0-r0');
        const version = JSON.parse(readFileSync(join(CLI_DIR, 'package.json'), 'utf8')).version;
        expect(failed?.failedReason).toBe(
          `worker runs synack ${version}, the sweep was planned with 0.0.0-other: results could differ`,
        );
        expect(redis.cli('HLEN', 'synack:sweep:otherversion:rows')).toBe('0');
      } finally {
        await queue.close();
      }
    },
    TEST_MS,
  );
});
