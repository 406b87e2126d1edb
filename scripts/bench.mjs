// `pnpm bench`: runs every benchmark in its own process and writes BENCHMARKS.md.
// Each figure sits next to the floor measured in the same run (raw MessagePort round trips).
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const quick = process.argv.includes('--quick');

function run(script, args = [], nodeArgs = []) {
  const path = join(root, script);
  if (!existsSync(path)) return [];
  process.stderr.write(`bench: ${script} ${args.join(' ')}\n`);
  const out = execFileSync(process.execPath, [...nodeArgs, path, ...args.map(String)], {
    cwd: join(root, script.split('/').slice(0, 2).join('/')),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  return out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}

const results = [];
results.push(...run('packages/network/bench/roundtrip.mjs', [quick ? 20_000 : 200_000]));
const sizes = quick ? [1, 1000] : [1, 1000, 10_000];
for (const engine of ['table', 'actor']) {
  for (const n of sizes) results.push(...run('packages/network/bench/lifecycles.mjs', [n, engine, 0]));
  // The same connections opening over one second of virtual time instead of all at once.
  if (!quick) results.push(...run('packages/network/bench/lifecycles.mjs', [10_000, engine, 1000]));
}
for (const engine of ['table', 'actor']) {
  results.push(...run('packages/network/bench/memory.mjs', [quick ? 2000 : 10_000, engine], ['--expose-gc']));
}
results.push(...run('packages/core/bench/syn-queue-scale.mjs', [], ['--expose-gc']));
results.push(...run('packages/cli/bench/sweep-bench.mjs', quick ? ['--quick'] : []));
// Skips itself (a message, no result) when redis-server is not installed.
results.push(...run('packages/cli/bench/queue-bench.mjs', quick ? ['--quick'] : []));

const rt = results.find((r) => r.name === 'roundtrip-worker-worker');
const rtMain = results.find((r) => r.name === 'roundtrip-main-worker');
const fmt = (n, digits = 0) => Number(n).toLocaleString('en-US', { maximumFractionDigits: digits });
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
// wall-clock: the report is dated.
const date = new Date().toISOString().slice(0, 10);
const lines = [];
lines.push('# Benchmarks', '');
lines.push(
  `Produced by \`npx -y pnpm@12.4.2 bench\` on ${date}: ${os.cpus().length} × ${cpu}, ` +
    `${fmt(os.totalmem() / 2 ** 30, 1)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}. ` +
    'Every figure below comes from the same run as the floor it is compared with.',
  '',
);
if (rt) {
  lines.push('## Floor: raw MessagePort round trips', '');
  lines.push('| path | round trips/s | µs per round trip |', '|---|---:|---:|');
  lines.push(`| worker ↔ worker (MessageChannel) | ${fmt(rt.perSec)} | ${fmt(rt.usPerRoundTrip, 1)} |`);
  if (rtMain) lines.push(`| main ↔ worker | ${fmt(rtMain.perSec)} | ${fmt(rtMain.usPerRoundTrip, 1)} |`);
  lines.push('');
}
const life = results.filter((r) => r.name === 'lifecycles');
if (life.length) {
  lines.push('## Complete lifecycles across worker threads', '');
  lines.push(
    'Handshake, 1 KiB each way, client closes, four-way close, TIME_WAIT (60 s) expiry; client and server ' +
      'each in their own worker thread, coordinator on the main thread, `linux` profile, 10 ms links. ' +
      '"engine" is how connections run inside a worker: `actor` = one XState actor per connection, ' +
      "`table` = the same statechart on core's lean interpreter (identical traces, see engine.ts). " +
      '"per segment" compares the cost of carrying one segment with one raw worker round trip.',
    '',
  );
  lines.push(
    'Reference points on this 2-core machine (from the project brief): ns-3 ≈ 400 lifecycles/s at 10,000 ' +
      'connections, the real kernel on loopback ≈ 11,700/s. Runs with 1 connection measure mostly the start ' +
      'of two worker threads. "opened over 1000 ms" spreads the openings over one second of virtual time, ' +
      'which lets client and server work in parallel inside lookahead windows.',
    '',
  );
  lines.push(
    '| connections | opened over | engine | wall ms | lifecycles/s | segments/s | µs per segment (floor: one round trip) | virtual-time speedup |',
    '|---:|---:|---|---:|---:|---:|---:|---:|',
  );
  for (const r of life) {
    const perSeg = (r.ms * 1000) / r.segments;
    lines.push(
      `| ${fmt(r.connections)} | ${r.spreadMs ? `${r.spreadMs} ms` : 'at once'} | ${r.engine} | ${fmt(r.ms)} | ${fmt(r.lifecyclesPerSec)} | ${fmt(r.segmentsPerSec)} | ${fmt(perSeg, 1)} (${rt ? fmt(rt.usPerRoundTrip, 1) : '?'}) | ${fmt(r.speedup, 1)}× |`,
    );
  }
  lines.push('');
}
const mem = results.filter((r) => r.name === 'memory-established');
if (mem.length) {
  lines.push('## Memory per idle ESTABLISHED connection', '');
  lines.push('| engine | connections | bytes per connection |', '|---|---:|---:|');
  for (const r of mem) lines.push(`| ${r.engine} | ${fmt(r.connections)} | ${fmt(r.bytesPerConnection)} |`);
  lines.push('');
}
const syn = results.filter((r) => r.name === 'syn-queue-scale');
if (syn.length) {
  lines.push('## One listener, many half-open entries', '');
  lines.push('| engine | half-open entries | ms | bytes per entry | heap MB |', '|---|---:|---:|---:|---:|');
  for (const r of syn)
    lines.push(
      `| ${r.engine} | ${fmt(r.entries)} | ${fmt(r.ms)} | ${fmt(r.bytesPerEntry)} | ${fmt(r.heapMB)} |`,
    );
  lines.push('');
}
const sweep = results.filter((r) => r.name === 'sweep');
if (sweep.length) {
  lines.push('## Sweeps', '');
  lines.push('| runs | wall s | runs/s |', '|---:|---:|---:|');
  for (const r of sweep) lines.push(`| ${fmt(r.runs)} | ${fmt(r.ms / 1000, 1)} | ${fmt(r.runsPerSec)} |`);
  lines.push('');
}
const queue = results.filter((r) => r.name === 'sweep-queue');
if (queue.length) {
  const localOf = (r) => queue.find((l) => l.executor === 'local' && l.round === r.round);
  lines.push('## Sweeps on a Redis queue (BullMQ)', '');
  lines.push(
    'The sweep above (handshake, 10 loss levels) on the local worker pool, then through a redis-server on ' +
      'this machine to one and two `synack worker` processes sharing its CPUs (batches of ' +
      `${queue.find((r) => r.batch)?.batch ?? '?'} runs), workers already connected. runs/s is the run phase ` +
      '(summary.json runsPerSec: enqueueing to the last row); CPU ms per run adds up every process involved ' +
      '(the sweep, the workers, redis-server) over the whole sweep. Overheads compare with the local sweep of ' +
      'the same round (the three take turns, as the load of a shared machine drifts; wall time follows that ' +
      'load, CPU time much less). The summaries are checked identical to the local one.',
    '',
  );
  lines.push(
    '| round | executor | workers × concurrency | runs | wall s | runs/s | wall overhead | CPU ms per run | CPU overhead |',
    '|---:|---|---|---:|---:|---:|---:|---:|---:|',
  );
  for (const r of queue) {
    const local = localOf(r);
    const queued = local && r.executor === 'queue';
    const overhead = queued ? `${fmt((100 * local.runsPerSec) / r.runsPerSec - 100, 1)} %` : '';
    const cpuOverhead =
      queued && local.cpuMsPerRun && r.cpuMsPerRun
        ? `${fmt((100 * r.cpuMsPerRun) / local.cpuMsPerRun - 100, 1)} %`
        : '';
    const who = r.executor === 'local' ? `pool × ${r.concurrency}` : `${r.workers} × ${r.concurrency}`;
    lines.push(
      `| ${r.round} | ${r.executor} | ${who} | ${fmt(r.runs)} | ${fmt(r.ms / 1000, 1)} | ${fmt(r.runsPerSec)} | ${overhead} | ${r.cpuMsPerRun ?? '?'} | ${cpuOverhead} |`,
    );
  }
  lines.push('');
}
lines.push('## Raw results', '', '```json', ...results.map((r) => JSON.stringify(r)), '```', '');
writeFileSync(join(root, 'BENCHMARKS.md'), lines.join('\n'));
process.stderr.write('bench: wrote BENCHMARKS.md\n');
