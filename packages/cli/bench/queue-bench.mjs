// The sweep of sweep-bench.mjs (handshake, 10 loss levels × runs) three ways on this machine:
// the local worker pool, one `synack worker` and two, through a redis-server started here
// (ephemeral loopback port, temporary directory, no persistence). Runs/s is the run phase
// (summary.json's runsPerSec: enqueue to last row), the workers already connected. cpuMsPerRun
// is the CPU time of every process involved (this one, the workers, redis-server) over the
// whole sweep, per run: the overhead a busy shared machine does not blur as much.
// The three ways take turns, `--rounds` times (default 2), since on a shared machine the load
// drifts between runs. Prints one JSON line per way and round:
//   {"name":"sweep-queue","round":…,"executor":"local"|"queue","workers":…,"concurrency":…,"batch":…,"runs":…,"ms":…,"runsPerSec":…,"cpuMsPerRun":…}
// Without redis-server it prints a message on stderr and no line (pnpm bench goes on).
// Usage: node bench/queue-bench.mjs [--quick] [--rounds N]   (quick: 100 runs per level, 1 round). Needs a build (dist/).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { probabilityListArg, runSweep } from '../dist/sweep/index.js';
import { queueSweep } from '../dist/sweep/queue/sweep.js';

const quick = process.argv.includes('--quick');
const runs = quick ? 100 : 1000;
const roundsFlag = process.argv.indexOf('--rounds');
const rounds =
  roundsFlag > 0 ? Math.min(10, Math.max(1, Number(process.argv[roundsFlag + 1]) || 1)) : quick ? 1 : 2;
const BATCH = 50;
const cpus = availableParallelism();
const bin = new URL('../dist/bin.js', import.meta.url).pathname;
const io = { out: () => {}, err: () => {}, isTTY: false };

if (spawnSync('redis-server', ['--version']).status !== 0) {
  process.stderr.write(
    'queue-bench: skipped, redis-server is not installed (apt-get install -y redis-server)\n',
  );
  process.exit(0);
}

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startRedis(dir) {
  const port = await freePort();
  const args = ['--port', port, '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'];
  const proc = spawn('redis-server', args.map(String), { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if (spawnSync('redis-cli', ['-p', String(port), 'PING'], { encoding: 'utf8' }).stdout.trim() === 'PONG') {
      return { proc, url: `redis://127.0.0.1:${port}` };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('queue-bench: redis-server did not start');
}

/** `count` workers sharing the CPUs; resolves once every one is consuming. */
async function startWorkers(url, count) {
  const concurrency = Math.max(1, Math.floor(cpus / count));
  const workers = Array.from({ length: count }, () =>
    spawn(process.execPath, [bin, 'worker', '--queue', url, '--concurrency', String(concurrency)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  );
  await Promise.all(
    workers.map(
      (w) =>
        new Promise((resolve, reject) => {
          let err = '';
          w.stderr.on('data', (chunk) => {
            err += chunk;
            if (err.includes('consuming')) resolve();
          });
          w.once('exit', () => reject(new Error(`queue-bench: a worker exited: ${err}`)));
        }),
    ),
  );
  return { workers, concurrency };
}

async function stopWorkers(workers) {
  await Promise.all(
    workers.map((w) => {
      const exited = new Promise((resolve) => w.once('exit', resolve));
      w.kill('SIGTERM');
      return exited;
    }),
  );
}

/**
 * CPU ms a process has used so far (Linux /proc: utime + stime, clock ticks of 10 ms); null elsewhere.
 * On a shared machine wall time follows everyone's load, CPU time much less.
 */
function processCpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/** CPU ms of this process (all its threads) plus the given processes, so far. */
function cpuMs(pids) {
  const { user, system } = process.cpuUsage();
  const others = pids.map(processCpuMs);
  return others.includes(null) ? null : (user + system) / 1000 + others.reduce((a, b) => a + b, 0);
}

/** Local, then one worker, then two: one JSON line each; the queue summaries checked against local. */
async function oneRound(round) {
  const localOut = join(dir, `local-${round}`);
  const cpu0 = cpuMs([]);
  await runSweep({ ...options, out: localOut }, io);
  const localCpu = cpuMs([]) - cpu0;
  console.log(
    JSON.stringify(
      measured(localOut, localCpu, { round, executor: 'local', workers: 0, concurrency: cpus, batch: 0 }),
    ),
  );
  for (const count of [1, 2]) {
    const { workers, concurrency } = await startWorkers(redis.url, count);
    const out = join(dir, `queue-${count}-${round}`);
    const pids = [redis.proc.pid, ...workers.map((w) => w.pid)];
    const before = cpuMs(pids);
    const redisBefore = processCpuMs(redis.proc.pid);
    const code = await queueSweep({ ...options, out }, { queue: redis.url, batch: BATCH }, io);
    const queueCpu = cpuMs(pids) - before;
    const redisCpu = processCpuMs(redis.proc.pid) - redisBefore;
    await stopWorkers(workers);
    if (code !== 0) throw new Error(`queue-bench: the queue sweep exited ${code}`);
    if (
      readFileSync(join(out, 'summary.csv'), 'utf8') !== readFileSync(join(localOut, 'summary.csv'), 'utf8')
    ) {
      throw new Error('queue-bench: the queue summary differs from the local one');
    }
    console.log(
      JSON.stringify(
        measured(out, queueCpu, {
          round,
          executor: 'queue',
          workers: count,
          concurrency,
          batch: BATCH,
          redisCpuMs: redisCpu,
        }),
      ),
    );
  }
}

/** The JSON line: wall time of the run phase (summary.json) and CPU ms per run of the whole sweep. */
function measured(out, cpu, fields) {
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  return {
    name: 'sweep-queue',
    ...fields,
    runs: summary.runs,
    ms: summary.wallMs,
    runsPerSec: summary.runsPerSec,
    cpuMsPerRun: Number.isNaN(cpu) || cpu === null ? null : Math.round((1000 * cpu) / summary.runs) / 1000,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'synack-queue-bench-'));
const options = {
  target: 'handshake',
  grid: { loss: probabilityListArg('0:0.45:0.05') },
  runs,
  seed: 1,
  progress: false,
};
// Loaded before measuring: module loading is a once-per-process cost, not a per-run one.
await Promise.all([import('bullmq'), import('ioredis')]);
const redis = await startRedis(dir);
try {
  for (let round = 1; round <= rounds; round++) await oneRound(round);
} finally {
  redis.proc.kill('SIGTERM');
  await new Promise((resolve) => redis.proc.once('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
}
