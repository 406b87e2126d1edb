/**
 * Worker-thread entry: hosts one endpoint (one IP address) and answers the
 * coordinator's step messages. All timing decisions are the coordinator's;
 * the worker only advances its virtual clock to the instants it is told.
 */
import { parentPort } from 'node:worker_threads';
import { EndpointRuntime } from './endpoint.js';
import type { FromWorker, ToWorker } from './protocol.js';

if (!parentPort) throw new Error('@synack/network worker must run in a worker thread');
const port = parentPort;
let runtime: EndpointRuntime | undefined;
let perturbMs = 0;
let crashNext = false;

function reply(message: FromWorker): void {
  if (perturbMs > 0) {
    // wall-clock: test hook that perturbs thread timing to prove the trace does not depend on it.
    const until = performance.now() + perturbMs;
    while (performance.now() < until) {
      /* busy wait */
    }
  }
  port.postMessage(message);
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'init':
      runtime = new EndpointRuntime(message.init);
      perturbMs = message.perturbMs ?? 0;
      reply({ type: 'ready', next: runtime.nextDeadline() });
      return;
    case 'step': {
      if (!runtime) throw new Error('step before init');
      if (crashNext) throw new Error(`endpoint ${runtime.id} crashed (test hook)`);
      const out = runtime.step(message.t, message.deliveries);
      reply({ type: 'stepped', t: message.t, records: out.records, next: out.next });
      return;
    }
    case 'report':
      if (!runtime) throw new Error('report before init');
      port.postMessage({ type: 'report', report: runtime.report() } satisfies FromWorker);
      return;
    case 'crash':
      crashNext = true;
      return;
  }
});
