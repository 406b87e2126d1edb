// Heap bytes per idle ESTABLISHED connection: N connection pairs established in memory through
// two core Hosts; run with --expose-gc. Usage: node --expose-gc memory.mjs N engine
import { getProfile, Host, keyFromSeed, VirtualClock } from '@synack/core';

const N = Number(process.argv[2] ?? 10_000);
const engine = process.argv[3] ?? 'actor';
const clock = new VirtualClock();
const profile = getProfile('linux');
const wire = [];
const host = (id, address, seed) =>
  new Host({
    id,
    address,
    profile,
    clock,
    engine,
    isnKey: keyFromSeed(1, seed),
    events: { segment: (s) => wire.push(s), state() {}, app() {}, timer() {}, drop() {} },
  });
const client = host('client', '10.0.0.1', 1);
const server = host('server', '10.0.0.2', 2);
server.listen(80, { backlog: 1_000_000, acceptQueue: 1_000_000 });
globalThis.gc();
const before = process.memoryUsage().heapUsed;
for (let i = 0; i < N; i++)
  client.connect({ addr: '10.0.0.2', port: 80 }, { localPort: 1024 + (i % 60000) + 0 });
// Deliver the handshake (no loss, instant wire), then let delayed ACK timers settle.
for (let round = 0; round < 4; round++) {
  const batch = wire.splice(0);
  for (const s of batch) (s.dstAddr === '10.0.0.2' ? server : client).deliver(s);
}
clock.advanceBy(1000);
for (const s of wire.splice(0)) (s.dstAddr === '10.0.0.2' ? server : client).deliver(s);
const established =
  client.connections().filter((c) => c.state === 'ESTABLISHED').length +
  server.connections().filter((c) => c.state === 'ESTABLISHED').length;
server.releaseClosed();
globalThis.gc();
const after = process.memoryUsage().heapUsed;
console.log(
  JSON.stringify({
    name: 'memory-established',
    engine,
    connections: established,
    bytesPerConnection: (after - before) / established,
  }),
);
