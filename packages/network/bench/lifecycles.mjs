// Complete lifecycles (handshake + 1 KiB each way + four-way close + TIME_WAIT expiry) for N
// concurrent connections between two endpoints in worker threads.
// Usage: node lifecycles.mjs N engine(actor|table) spreadMs
import { runSimulation } from '../dist/index.js';

const N = Number(process.argv[2] ?? 1000);
const engine = process.argv[3] ?? 'table';
const spread = Number(process.argv[4] ?? 0);
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
  network: { default: { delay: 10 } },
};
const t0 = performance.now();
const result = await runSimulation(config, { collectTrace: false, threads: process.env.THREADS ?? 'worker' });
const ms = performance.now() - t0;
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
    ms,
    lifecyclesPerSec: (N / ms) * 1000,
    segments: result.stats.segmentsSent,
    segmentsPerSec: (result.stats.segmentsSent / ms) * 1000,
    virtualMs: result.stats.endTime,
    speedup: result.stats.endTime / ms,
  }),
);
