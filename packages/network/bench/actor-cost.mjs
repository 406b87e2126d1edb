// What one connection costs its interpreter, apart from TCP: create (createConnection, which for
// the actor engine is createActor + subscriptions + start), run (OPEN_ACTIVE, which sends a SYN and
// arms the SYN timer) and stop, for N connections; µs per connection for each phase, per engine.
// Usage: node actor-cost.mjs N(1..200000)
import { createConnection, getProfile, keyFromSeed, VirtualClock } from '@synack/core';

const N = Number(process.argv[2] ?? 10_000);
if (!Number.isInteger(N) || N < 1 || N > 200_000) {
  console.error('actor-cost: N must be an integer in [1, 200000]');
  process.exit(2);
}
const profile = getProfile('linux');
const isnKey = keyFromSeed(1, 1);

function inputFor(i) {
  const port = 1024 + (i % 60_000);
  return {
    id: `c${i}`,
    local: { addr: '10.0.0.1', port },
    remote: { addr: '10.0.0.2', port: 80 },
    profile,
    isnKey,
    returnToListen: false,
  };
}

function measure(engine) {
  const clock = new VirtualClock();
  let outputs = 0;
  const hooks = { output: () => outputs++, processed() {} };
  const conns = new Array(N);
  const inputs = Array.from({ length: N }, (_, i) => inputFor(i));
  const t0 = performance.now();
  for (let i = 0; i < N; i++) conns[i] = createConnection(engine, inputs[i], hooks, { clock });
  const t1 = performance.now();
  for (let i = 0; i < N; i++) conns[i].send({ type: 'OPEN_ACTIVE', now: 0 });
  const t2 = performance.now();
  for (let i = 0; i < N; i++) conns[i].stop();
  const t3 = performance.now();
  if (outputs < N) throw new Error(`actor-cost: ${engine} sent ${outputs} outputs for ${N} connections`);
  const us = (ms) => (ms * 1000) / N;
  return { create: us(t1 - t0), run: us(t2 - t1), stop: us(t3 - t2), total: us(t3 - t0) };
}

// A warm-up round per engine first, so both are measured with optimised code.
measure('actor');
measure('table');
const actor = measure('actor');
const table = measure('table');
console.log(
  JSON.stringify({
    name: 'actor-cost',
    connections: N,
    actor,
    table,
    ratio: actor.total / table.total,
  }),
);
