#!/usr/bin/env node
/**
 * One listener under a SYN flood: a Host listening with backlog 60,000 and no SYN cookies receives
 * 50,000 spoofed SYNs (distinct source address and port each) and must hold every one as a
 * half-open connection in SYN_RECEIVED. Measures, per engine, the wall time to take the SYNs and
 * the heap each half-open entry costs (global.gc() before and after).
 *
 *   node --expose-gc packages/core/bench/syn-queue-scale.mjs [--entries 50000] [--engine actor|table]
 *
 * (Re-runs itself with --expose-gc when started without it.) Needs a build (`pnpm build`): it
 * imports ../dist/index.js. Prints one JSON line per engine on stdout:
 *
 *   {"name":"syn-queue-scale","entries":50000,"engine":"actor","bytesPerEntry":…,"ms":…,"heapMB":…}
 *
 * bytesPerEntry: heap growth / entries; heapMB: heap in use with all entries held.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

if (typeof global.gc !== 'function') {
  const run = spawnSync(
    process.execPath,
    ['--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  );
  process.exit(run.status ?? 1);
}

const { Flag, getProfile, Host, keyFromSeed, VirtualClock } = await import('../dist/index.js');

const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '50000' },
    engine: { type: 'string', multiple: true },
  },
});
const entries = Number(values.entries);
const engines = values.engine ?? ['actor', 'table'];
const SERVER = '10.0.0.2';
const PORT = 80;

function spoofedSyn(n) {
  return {
    srcAddr: `10.${100 + ((n >> 16) & 63)}.${(n >> 8) & 255}.${n & 255}`,
    srcPort: 1024 + (n % 64000),
    dstAddr: SERVER,
    dstPort: PORT,
    seq: Math.imul(n, 2654435761) >>> 0,
    ack: 0,
    flags: Flag.SYN,
    win: 65535,
    mss: 1460,
  };
}

function settleHeap() {
  for (let i = 0; i < 3; i++) global.gc();
  return process.memoryUsage().heapUsed;
}

function measure(engine) {
  const clock = new VirtualClock();
  let synAcks = 0;
  let drops = 0;
  const host = new Host({
    id: 'server',
    address: SERVER,
    profile: getProfile('linux'),
    clock,
    isnKey: keyFromSeed(1, 1),
    engine,
    events: {
      segment(segment) {
        if (segment.flags === (Flag.SYN | Flag.ACK)) synAcks++;
      },
      state() {},
      app() {},
      timer() {},
      drop() {
        drops++;
      },
    },
  });
  host.listen(PORT, { backlog: 60_000, syncookies: 0 });
  // The SYNs are built first so that neither their memory nor their construction is measured.
  const syns = Array.from({ length: entries }, (_, i) => spoofedSyn(i + 1));
  const before = settleHeap();
  const started = performance.now();
  for (const syn of syns) host.deliver(syn);
  const ms = performance.now() - started;
  const after = settleHeap();

  const connections = host.connections();
  const inSynReceived = connections.filter((c) => c.state === 'SYN_RECEIVED').length;
  const stats = host.listenerStats()[String(PORT)];
  const ok =
    inSynReceived === entries &&
    connections.length === entries &&
    stats.synQueue === entries &&
    synAcks === entries &&
    drops === 0;
  const line = {
    name: 'syn-queue-scale',
    entries,
    engine,
    bytesPerEntry: Math.round((after - before) / entries),
    ms: Math.round(ms),
    heapMB: Math.round((after / 2 ** 20) * 10) / 10,
    inSynReceived,
    synAcks,
    usPerSyn: Math.round((ms * 1000) / entries),
    ok,
  };
  // syns must stay alive until after the second measurement (they are not part of the entries).
  if (syns.length !== entries) throw new Error('unreachable');
  host.dispose();
  return line;
}

let failed = false;
for (const engine of engines) {
  const line = measure(engine);
  process.stdout.write(`${JSON.stringify(line)}\n`);
  if (!line.ok) {
    failed = true;
    process.stderr.write(
      `syn-queue-scale: ${engine}: expected ${entries} entries in SYN_RECEIVED, got ${line.inSynReceived}\n`,
    );
  }
  settleHeap();
}
process.exit(failed ? 1 : 0);
