import type { Segment } from '@synack/core';
import type { EndpointInit, EndpointRecord, EndpointReport } from './endpoint.js';

/** Main thread → worker. One message per worker per virtual instant: deliveries are batched. */
export type ToWorker =
  | { type: 'init'; init: EndpointInit; perturbMs?: number }
  | { type: 'step'; t: number; deliveries: Segment[] }
  | { type: 'report' }
  /** Test hook: make the worker throw (crash) on its next step. */
  | { type: 'crash' };

/** Worker → main thread. */
export type FromWorker =
  | { type: 'ready'; next: number | null }
  | { type: 'stepped'; t: number; records: EndpointRecord[]; next: number | null }
  | { type: 'report'; report: EndpointReport }
  | { type: 'error'; message: string };
