/**
 * Worker-thread entry: hosts one endpoint (one IP address) and answers the
 * coordinator's step messages. All timing decisions are the coordinator's;
 * the worker only advances its virtual clock to the instants it is told.
 */
import { parentPort } from 'node:worker_threads';
import { decodeSegments, type EncodedSegment, encodeSegments } from './codec.js';
import { EndpointRuntime, type TimedRecord } from './endpoint.js';
import type { FromWorker, ToWorker } from './protocol.js';

if (!parentPort) throw new Error('@synack/network worker must run in a worker thread');
const port = parentPort;
let runtime: EndpointRuntime | undefined;
let perturbMs = 0;
let crashNext = false;
let quiet = false;

/** Splits a step's records into the transferred segment buffer and the JSON of everything else. */
function pack(records: TimedRecord[]): { segments: ArrayBuffer; records: string } {
  const segments: EncodedSegment[] = [];
  const rest: unknown[] = [];
  for (const record of records) {
    if (record.k === 'seg') {
      if (!quiet) rest.push({ k: 'seg', i: segments.length, conn: record.conn, t: record.t });
      segments.push({
        seg: record.seg,
        state: record.state,
        retransmit: record.retransmit,
        cause: record.cause,
        t: record.t,
      });
    } else if (record.k === 'drop') {
      // A dropped segment's payload only matters for its length (the trace's `len`).
      const { data, ...seg } = record.seg;
      rest.push({ ...record, seg: { ...seg, dataLength: data ? data.length : 0 } });
    } else if (!quiet) {
      rest.push(record);
    }
  }
  return { segments: encodeSegments(segments), records: JSON.stringify(rest) };
}

function reply(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  if (perturbMs > 0) {
    // wall-clock: test hook that perturbs thread timing to prove the trace does not depend on it.
    const until = performance.now() + perturbMs;
    while (performance.now() < until) {
      /* busy wait */
    }
  }
  port.postMessage(message, transfer);
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'init':
      runtime?.dispose();
      crashNext = false;
      runtime = new EndpointRuntime(message.init);
      perturbMs = message.perturbMs ?? 0;
      quiet = message.quiet ?? false;
      reply({ type: 'ready', next: runtime.nextDeadline() });
      return;
    case 'window': {
      if (!runtime) throw new Error('window before init');
      if (crashNext) throw new Error(`endpoint ${runtime.id} crashed (test hook)`);
      const deliveries = decodeSegments(message.deliveries).map((e) => ({ t: e.t ?? 0, seg: e.seg }));
      const out = runtime.runWindow(message.start, message.until, deliveries);
      const packed = pack(out.records);
      reply({ type: 'stepped', ...packed, next: out.next, last: out.last }, [packed.segments]);
      return;
    }
    case 'report':
      if (!runtime) throw new Error('report before init');
      port.postMessage({ type: 'report', report: runtime.report() } satisfies FromWorker);
      return;
    case 'crash':
      crashNext = true;
      return;
    case 'dispose':
      runtime?.dispose();
      runtime = undefined;
      return;
  }
});
