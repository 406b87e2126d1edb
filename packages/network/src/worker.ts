/**
 * Worker-thread entry: hosts one or more endpoints (each one IP address, its own runtime, clock
 * and statecharts) and answers the coordinator's messages for all of them at once. All timing
 * decisions are the coordinator's; each endpoint only advances its own virtual clock to the
 * instants it is told, so how endpoints share threads never shows in a trace.
 *
 * Crash isolation: an endpoint that throws is reported by its id (`endpoint "x": …`) and the
 * thread answers with that error; the coordinator stops the run and the pool never reuses the
 * thread (worker-pool.ts).
 */
import { parentPort } from 'node:worker_threads';
import { decodeSegments, type EncodedSegment, encodeSegments } from './codec.js';
import { EndpointRuntime, type TimedRecord } from './endpoint.js';
import type { FromWorker, SlotInit, ToWorker, WindowJob, WindowResult } from './protocol.js';

if (!parentPort) throw new Error('@synack/network worker must run in a worker thread');
const port = parentPort;

interface Slot {
  runtime: EndpointRuntime;
  perturbMs: number;
  crashNext: boolean;
}

let slots: Slot[] = [];
let quiet = false;

/** Splits a window's records into the transferred segment buffer and the JSON of everything else. */
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

/** wall-clock: test hook that perturbs thread timing to prove the trace does not depend on it. */
function busyWait(ms: number): void {
  if (ms <= 0) return;
  const until = performance.now() + ms;
  while (performance.now() < until) {
    /* busy wait */
  }
}

function init(addresses: Record<string, string>, endpoints: SlotInit[]): FromWorker {
  dispose();
  slots = endpoints.map(({ init, perturbMs }) => ({
    // One address book for every endpoint of the thread (EndpointRuntime only reads it).
    runtime: new EndpointRuntime({ ...init, addresses }),
    perturbMs,
    crashNext: false,
  }));
  for (const slot of slots) busyWait(slot.perturbMs);
  return { type: 'ready', next: slots.map((s) => s.runtime.nextDeadline()) };
}

function runWindow(start: number, until: number, jobs: WindowJob[], transfer: ArrayBuffer[]): FromWorker {
  const results: WindowResult[] = jobs.map((job) => {
    const slot = slots[job.slot];
    if (slot.crashNext) throw new Error(`endpoint "${slot.runtime.id}": crashed (test hook)`);
    const deliveries = decodeSegments(job.deliveries).map((e) => ({ t: e.t ?? 0, seg: e.seg }));
    const out = withEndpointName(slot, () => slot.runtime.runWindow(start, until, deliveries));
    const packed = pack(out.records);
    transfer.push(packed.segments);
    busyWait(slot.perturbMs);
    return { ...packed, next: out.next, last: out.last };
  });
  return { type: 'stepped', results };
}

/** Runs `work` for one endpoint; an exception it throws names that endpoint. */
function withEndpointName<T>(slot: Slot, work: () => T): T {
  try {
    return work();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`endpoint "${slot.runtime.id}": ${message}`);
  }
}

function dispose(): void {
  for (const slot of slots) slot.runtime.dispose();
  slots = [];
}

function answer(message: ToWorker): void {
  const transfer: ArrayBuffer[] = [];
  let reply: FromWorker | undefined;
  switch (message.type) {
    case 'init':
      quiet = message.quiet;
      reply = init(message.addresses, message.endpoints);
      break;
    case 'window':
      reply = runWindow(message.start, message.until, message.jobs, transfer);
      break;
    case 'report':
      reply = {
        type: 'report',
        reports: message.slots.map((i) => withEndpointName(slots[i], () => slots[i].runtime.report())),
      };
      break;
    case 'crash':
      if (slots[message.slot]) slots[message.slot].crashNext = true;
      return;
    case 'dispose':
      dispose();
      return;
  }
  port.postMessage(reply, transfer);
}

port.on('message', (message: ToWorker) => {
  try {
    answer(message);
  } catch (err) {
    // Crash isolation: the reply names the endpoint (withEndpointName); the thread is not reused.
    port.postMessage({
      type: 'error',
      message: err instanceof Error ? err.message : String(err),
    } satisfies FromWorker);
  }
});
