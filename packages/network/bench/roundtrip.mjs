// The floor: raw MessagePort round trips between two worker threads (and main <-> worker),
// small messages, one at a time. Prints one JSON line per measurement.
import { MessageChannel, Worker } from 'node:worker_threads';

const N = Number(process.argv[2] ?? 100_000);
const echo = `
  const { parentPort } = require('node:worker_threads');
  parentPort.once('message', ({ port, role, n }) => {
    if (role === 'echo') { port.on('message', (m) => port.postMessage(m)); return; }
    let i = 0; const t0 = performance.now();
    port.on('message', () => {
      if (++i === n) { parentPort.postMessage(performance.now() - t0); port.close(); return; }
      port.postMessage(i);
    });
    port.postMessage(0);
  });`;

async function workerToWorker() {
  const a = new Worker(echo, { eval: true });
  const b = new Worker(echo, { eval: true });
  const { port1, port2 } = new MessageChannel();
  b.postMessage({ port: port2, role: 'echo' }, [port2]);
  const done = new Promise((resolve) => a.once('message', resolve));
  a.postMessage({ port: port1, role: 'ping', n: N }, [port1]);
  const ms = await done;
  await Promise.all([a.terminate(), b.terminate()]);
  return ms;
}

async function mainToWorker() {
  const w = new Worker(
    `require('node:worker_threads').parentPort.on('message', (m) => require('node:worker_threads').parentPort.postMessage(m));`,
    { eval: true },
  );
  let i = 0;
  const t0 = performance.now();
  await new Promise((resolve) => {
    w.on('message', () => (++i === N ? resolve() : w.postMessage(i)));
    w.postMessage(0);
  });
  const ms = performance.now() - t0;
  await w.terminate();
  return ms;
}

const ww = await workerToWorker();
console.log(
  JSON.stringify({
    name: 'roundtrip-worker-worker',
    n: N,
    ms: ww,
    perSec: (N / ww) * 1000,
    usPerRoundTrip: (ww * 1000) / N,
  }),
);
const mw = await mainToWorker();
console.log(
  JSON.stringify({
    name: 'roundtrip-main-worker',
    n: N,
    ms: mw,
    perSec: (N / mw) * 1000,
    usPerRoundTrip: (mw * 1000) / N,
  }),
);
