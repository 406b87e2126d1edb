import type { EndpointInit, EndpointReport } from './endpoint.js';

/**
 * One endpoint of a thread: its init without the run's address book (sent once per thread, not
 * once per endpoint: 10,000 endpoints would otherwise copy a 10,000-entry map 10,000 times).
 */
export interface SlotInit {
  init: Omit<EndpointInit, 'addresses'>;
  /** Test hook: wall-clock ms the thread busy-waits after this endpoint's work in each reply. */
  perturbMs: number;
}

/** This endpoint's share of one lookahead window; `slot` indexes the thread's init list. */
export interface WindowJob {
  slot: number;
  /** Segments with their delivery times, encoded by codec.ts, transferred. */
  deliveries: ArrayBuffer;
}

/** What one endpoint did in a window. */
export interface WindowResult {
  /** Every segment sent, with its send time, encoded (codec.ts) and transferred. */
  segments: ArrayBuffer;
  /**
   * JSON of all records in order, each with its time `t`, where a segment appears as
   * { k: 'seg', i, conn, t } (its index in `segments`); in quiet mode only host drops.
   */
  records: string;
  next: number | null;
  last: number | null;
}

/**
 * Main thread → worker. A thread hosts one or more endpoints (placement.ts); each message
 * carries the work of all of them that have something to do, so a lookahead window costs one
 * message per thread, however many endpoints the thread holds.
 */
export type ToWorker =
  /** Starts a run: drops any previous endpoints. `quiet`: nobody reads the trace (only segments and host drops come back). */
  | { type: 'init'; addresses: Record<string, string>; endpoints: SlotInit[]; quiet: boolean }
  /** Process every instant t with t === start or t < until (the lookahead window), per job. */
  | { type: 'window'; start: number; until: number; jobs: WindowJob[] }
  | { type: 'report'; slots: number[] }
  /** The run is over and the thread goes back to a pool: drop the endpoints. */
  | { type: 'dispose' }
  /** Test hook: make this endpoint throw (crash) on its next window. */
  | { type: 'crash'; slot: number };

/** Worker → main thread; arrays are in the order of the request's slots or jobs. */
export type FromWorker =
  | { type: 'ready'; next: Array<number | null> }
  | { type: 'stepped'; results: WindowResult[] }
  | { type: 'report'; reports: EndpointReport[] }
  /** `message` names the endpoint that failed (`endpoint "server": …`). */
  | { type: 'error'; message: string };
