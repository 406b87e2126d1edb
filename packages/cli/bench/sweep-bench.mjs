// `synack sweep handshake --loss 0:0.45:0.05 --runs 1000`: 10 loss levels × 1,000 runs, every
// run a full simulation with both endpoints in worker threads (one shared WorkerPool),
// concurrency = available CPUs. Prints ONE JSON line on stdout:
//   {"name":"sweep","runs":10000,"ms":…,"runsPerSec":…}
// `ms` is the whole sweep end to end: planning, the runs, runs.csv/summary/config and the SVG plots.
// Usage: node bench/sweep-bench.mjs [--quick]   (quick: 100 runs per level). Needs a build (dist/).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probabilityListArg, runSweep } from '../dist/sweep/index.js';

const quick = process.argv.includes('--quick');
const runs = quick ? 100 : 1000;
const out = mkdtempSync(join(tmpdir(), 'synack-sweep-bench-'));
const io = { out: () => {}, err: (text) => process.stderr.write(text), isTTY: false };
try {
  const start = performance.now();
  const result = await runSweep(
    {
      target: 'handshake',
      grid: { loss: probabilityListArg('0:0.45:0.05') },
      runs,
      seed: 1,
      out,
      progress: false,
    },
    io,
  );
  const ms = performance.now() - start;
  process.stderr.write(
    `sweep-bench: ${result.rows.length} runs, run phase ${(result.wallMs / 1000).toFixed(1)} s ` +
      `(${result.runsPerSec.toFixed(0)} runs/s), end to end ${(ms / 1000).toFixed(1)} s\n`,
  );
  console.log(
    JSON.stringify({
      name: 'sweep',
      runs: result.rows.length,
      ms: Math.round(ms),
      runsPerSec: Math.round((result.rows.length / ms) * 1000),
    }),
  );
} finally {
  rmSync(out, { recursive: true, force: true });
}
