import type { EndpointInit, EndpointReport } from './endpoint.js';

/** Main thread → worker. One message per worker per virtual instant: deliveries are batched. */
export type ToWorker =
  /** `quiet`: nobody reads the trace, so only segments (and host drops) come back. */
  | { type: 'init'; init: EndpointInit; perturbMs?: number; quiet?: boolean }
  /**
   * Process every instant t with t === start or t < until (the lookahead window); `deliveries`:
   * segments with their delivery times, encoded by codec.ts, transferred.
   */
  | { type: 'window'; start: number; until: number; deliveries: ArrayBuffer }
  | { type: 'report' }
  /** The run is over and the thread goes back to a pool: drop the endpoint. */
  | { type: 'dispose' }
  /** Test hook: make the worker throw (crash) on its next step. */
  | { type: 'crash' };

/** Worker → main thread. */
export type FromWorker =
  | { type: 'ready'; next: number | null }
  /**
   * `segments`: every segment sent, with its send time, encoded (codec.ts) and transferred.
   * `records`: JSON of all records in order, each with its time `t`, where a segment appears as
   * { k: 'seg', i, conn, t } (its index in `segments`); in quiet mode only host drops.
   */
  | { type: 'stepped'; segments: ArrayBuffer; records: string; next: number | null; last: number | null }
  | { type: 'report'; report: EndpointReport }
  | { type: 'error'; message: string };
