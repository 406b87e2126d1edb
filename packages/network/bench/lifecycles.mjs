// Complete lifecycles (handshake + 1 KiB each way + four-way close + TIME_WAIT expiry) for N
// concurrent connections between two endpoints in worker threads.
// Usage: node lifecycles.mjs N engine(actor|table) spreadMs [loss 0..0.5] [threads worker|inline] [trace on|off]
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSimulation } from '../dist/index.js';

function arg(i, fallback, ok, what) {
  const raw = process.argv[i] ?? fallback;
  if (!ok(raw)) {
    console.error(`lifecycles: ${what} (got ${raw})`);
    process.exit(2);
  }
  return raw;
}
const isInt = (lo, hi) => (v) => Number.isInteger(Number(v)) && Number(v) >= lo && Number(v) <= hi;
const N = Number(arg(2, 1000, isInt(1, 50_000), 'N must be an integer in [1, 50000]'));
const engine = arg(3, 'table', (v) => v === 'table' || v === 'actor', 'engine must be table or actor');
const spread = Number(arg(4, 0, isInt(0, 600_000), 'spreadMs must be an integer in [0, 600000]'));
const loss = Number(arg(5, 0, (v) => Number(v) >= 0 && Number(v) <= 0.5, 'loss must be in [0, 0.5]'));
const threads = arg(6, 'worker', (v) => v === 'worker' || v === 'inline', 'threads must be worker or inline');
const trace = arg(7, 'off', (v) => v === 'on' || v === 'off', 'trace must be on or off') === 'on';
const actions = [];
for (let i = 0; i < N; i++) {
  actions.push({
    at: Math.floor((i * spread) / N),
    do: 'connect',
    to: 'server',
    port: 80,
    localPort: 1024 + i,
  });
}
const config = {
  seed: 1,
  profile: 'linux',
  engine,
  endpoints: [
    {
      id: 'client',
      actions,
      reactions: [
        { on: 'connected', do: 'send', bytes: 1024 },
        { on: 'connected', do: 'close', after: 200 },
      ],
    },
    {
      id: 'server',
      actions: [{ at: 0, do: 'listen', port: 80, backlog: 1_000_000, acceptQueue: 1_000_000 }],
      reactions: [
        { on: 'accept', do: 'send', bytes: 1024 },
        { on: 'peer-closed', do: 'close', after: 100 },
      ],
    },
  ],
  network: { default: loss ? { delay: 10, loss } : { delay: 10 } },
};
// trace on: every event written as JSON Lines to a file, as `synack run --trace` does (buffered
// in 64 KiB writes, so the cost measured is building and serialising the events, not syscalls).
const jsonlPath = join(tmpdir(), `synack-bench-trace-${process.pid}.jsonl`);
const jsonl = trace ? openSync(jsonlPath, 'w') : -1;
let pending = '';
const onTrace = trace
  ? (event) => {
      pending += `${JSON.stringify(event)}\n`;
      if (pending.length > 65_536) {
        writeSync(jsonl, pending);
        pending = '';
      }
    }
  : undefined;
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const result = await runSimulation(config, { collectTrace: false, onTrace, threads });
if (trace) writeSync(jsonl, pending);
const ms = performance.now() - t0;
// CPU of the whole process (every thread): steadier than wall time on a shared machine.
const cpu = process.cpuUsage(cpu0);
if (trace) {
  closeSync(jsonl);
  rmSync(jsonlPath);
}
const closed = [...result.summary.final.client, ...result.summary.final.server].filter(
  (s) => s === 'CLOSED',
).length;
if (!result.ok || closed !== 2 * N) {
  console.error(`lifecycle run failed: ok=${result.ok} ${result.error ?? ''} closed=${closed}/${2 * N}`);
  process.exit(1);
}
console.log(
  JSON.stringify({
    name: 'lifecycles',
    connections: N,
    engine,
    spreadMs: spread,
    loss,
    threads,
    trace,
    ms,
    cpuMs: (cpu.user + cpu.system) / 1000,
    lifecyclesPerSec: (N / ms) * 1000,
    segments: result.stats.segmentsSent,
    segmentsPerSec: (result.stats.segmentsSent / ms) * 1000,
    virtualMs: result.stats.endTime,
    steps: result.stats.steps,
    speedup: result.stats.endTime / ms,
  }),
);
