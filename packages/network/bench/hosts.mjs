// Thousands of hosts (issue 24): one server and N - 1 client endpoints, each client one whole
// lifecycle (handshake, 1 KiB each way, four-way close, TIME_WAIT), clients starting 1 ms apart,
// endpoints packed onto a pool of worker threads (or one thread each, for reference).
//
// Usage: node hosts.mjs [--quick]             all measurements, one fresh process each, JSON lines
//                                             (--quick: 100 and 1,000 endpoints, 20 per-endpoint;
//                                             `pnpm bench` runs this, scripts/bench-hosts.mjs renders it)
//        node hosts.mjs one KIND N THREADS    one measurement (KIND lifecycle|idle; THREADS a
//                                             number 1..256 or per-endpoint)
// idle: every endpoint started and listening, nothing else; RSS sampled at that instant.
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { runSimulation } from '../dist/index.js';

const MAX_HOSTS = 20_000;

function fail(message) {
  console.error(`hosts: ${message}`);
  process.exit(2);
}

/** One server and n - 1 clients as a group (the scenario file examples/thousands-of-hosts.yaml). */
function lifecycleConfig(n) {
  return {
    seed: 1,
    endpoints: [
      {
        id: 'server',
        address: '10.0.0.2',
        actions: [{ at: 0, do: 'listen', port: 80, backlog: 4096, acceptQueue: 4096 }],
        reactions: [
          { on: 'accept', do: 'send', bytes: 1024 },
          { on: 'peer-closed', do: 'close', after: 10 },
        ],
      },
    ],
    groups: [
      {
        name: 'clients',
        count: n - 1,
        id: 'client-{i}',
        address: '10.1.{i/256}.{i%256}',
        offset: 1,
        actions: [{ at: 1, do: 'connect', to: 'server', port: 80 }],
        reactions: [
          { on: 'connected', do: 'send', bytes: 1024 },
          { on: 'connected', do: 'close', after: 100 },
        ],
      },
    ],
    topology: { default: { delay: 10 }, links: [{ between: ['clients', 'server'], delay: 5 }] },
    wallTimeout: 3_600_000,
  };
}

/** n endpoints that each listen at 0 ms; one timer at 1 ms gives an instant to sample them idle. */
function idleConfig(n) {
  return {
    seed: 1,
    groups: [
      {
        name: 'hosts',
        count: n,
        id: 'host-{i}',
        address: '10.1.{i/256}.{i%256}',
        actions: [{ at: 0, do: 'listen', port: 80 }],
      },
    ],
    endpoints: [{ id: 'clock', address: '10.0.0.1', actions: [{ at: 1, do: 'listen', port: 80 }] }],
  };
}

async function one(kind, n, threads) {
  const rssBefore = process.memoryUsage.rss();
  const config = kind === 'idle' ? idleConfig(n) : lifecycleConfig(n);
  let setupMs;
  let idleRss;
  // wall-clock: a benchmark measures wall time, and CPU time of every thread (load-independent).
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const result = await runSimulation(config, {
    threads,
    collectTrace: false,
    memoryBudget: 16 * 1024 ** 3,
    // beforeStep makes the run lockstep; only the idle measurement uses it.
    ...(kind === 'idle'
      ? {
          beforeStep: (t) => {
            if (t === 0) setupMs = performance.now() - start;
            if (t === 1) idleRss = process.memoryUsage.rss();
          },
        }
      : {}),
  });
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  const cpuMs = Math.round((cpu.user + cpu.system) / 1000);
  if (!result.ok) fail(`${kind} ${n} ${threads}: ${result.error}`);
  const out = {
    name: 'hosts',
    kind,
    endpoints: n,
    threads,
    wallMs: Math.round(wallMs),
    cpuMs,
    rssBeforeMB: mb(rssBefore),
  };
  if (kind === 'idle') {
    Object.assign(out, {
      setupMsPerEndpoint: round(setupMs / n, 4),
      idleRssMB: mb(idleRss),
      idleBytesPerEndpoint: Math.round((idleRss - rssBefore) / n),
    });
  } else {
    const closed = Object.values(result.summary.final).filter(
      (s) => s.length && s.every((x) => x === 'CLOSED'),
    );
    Object.assign(out, { segments: result.stats.segmentsSent, closedEndpoints: closed.length });
  }
  console.log(JSON.stringify(out));
}

const mb = (bytes) => Math.round(bytes / 1024 / 1024);
const round = (x, digits) => Number(x.toFixed(digits));

function child(kind, n, threads) {
  const text = execFileSync(
    process.execPath,
    [fileURLToPath(import.meta.url), 'one', kind, String(n), String(threads)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
  );
  const line = JSON.parse(text.trim().split('\n').at(-1));
  console.log(JSON.stringify(line));
  return line;
}

function all(quick) {
  const cores = availableParallelism();
  // Full: 1,000 and 10,000 endpoints (issue 24's targets), 100 per-endpoint for reference; quick
  // (CI): ten times fewer, the same ratios.
  const [small, large, reference] = quick ? [100, 1_000, 20] : [1_000, 10_000, 100];
  const idleSmall = child('idle', small, cores);
  const idleLarge = child('idle', large, cores);
  const lifeSmall = child('lifecycle', small, cores);
  const lifeLarge = child('lifecycle', large, cores);
  child('idle', reference, 'per-endpoint');
  child('lifecycle', reference, 'per-endpoint');
  if (reference !== small) child('lifecycle', reference, cores);
  const marginal = ((idleLarge.idleRssMB - idleSmall.idleRssMB) * 1024 * 1024) / (large - small);
  console.log(
    JSON.stringify({
      name: 'hosts-ratios',
      kind: 'ratios',
      // wall-clock: the measurements are dated.
      date: new Date().toISOString().slice(0, 10),
      threads: cores,
      small,
      large,
      marginalIdleBytesPerEndpoint: Math.round(marginal),
      lifecycleWall10xHosts: round(lifeLarge.wallMs / lifeSmall.wallMs, 2),
      lifecycleCpu10xHosts: round(lifeLarge.cpuMs / lifeSmall.cpuMs, 2),
    }),
  );
}

const [mode, kind, nText, threadsText] = process.argv.slice(2);
if (mode === undefined || mode === '--quick') all(mode === '--quick');
else if (mode === 'one') {
  if (kind !== 'idle' && kind !== 'lifecycle') fail(`KIND must be idle or lifecycle, got "${kind}"`);
  const n = Number(nText);
  if (!Number.isInteger(n) || n < 2 || n > MAX_HOSTS)
    fail(`N must be an integer in [2, ${MAX_HOSTS}], got "${nText}"`);
  const threads = threadsText === 'per-endpoint' ? 'per-endpoint' : Number(threadsText);
  if (threads !== 'per-endpoint' && !(Number.isInteger(threads) && threads >= 1 && threads <= 256))
    fail(`THREADS must be an integer in [1, 256] or per-endpoint, got "${threadsText}"`);
  await one(kind, n, threads);
} else fail(`usage: node hosts.mjs [--quick | one KIND N THREADS]`);
