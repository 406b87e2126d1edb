/**
 * The summary line that ends every trace (README "Summary fields"): a pure function of how the
 * run ended, the counters and the endpoints' final reports.
 */
import type { EndpointReport } from './endpoint.js';
import type { SimulationConfig } from './schema.js';
import type { RunStats } from './trace-recorder.js';
import type { TraceEvent } from './types.js';

export type SummaryEvent = Extract<TraceEvent, { kind: 'summary' }>;

export interface RunEnding {
  /** The last instant processed. */
  t: number;
  /** Why the run failed, if it did. */
  error?: string;
  /** Empty after a worker crash (no report can be collected then). */
  reports: readonly EndpointReport[];
  stats: RunStats;
}

export function buildSummary(
  config: Pick<SimulationConfig, 'seed' | 'endpoints'>,
  end: RunEnding,
): SummaryEvent {
  const { error, reports, stats } = end;
  // Every endpoint is listed, with an empty array when it could not report.
  const final: Record<string, string[]> = {};
  for (const endpoint of config.endpoints) final[endpoint.id] = [];
  for (const report of reports) final[report.id] = report.connections.map((c) => c.state);
  return {
    t: end.t,
    kind: 'summary',
    endpoint: '*',
    ok: error === undefined,
    final,
    ...(error !== undefined ? { error } : {}),
    seed: config.seed,
    stats: {
      segmentsSent: stats.segmentsSent,
      segmentsDelivered: stats.segmentsDelivered,
      segmentsDropped: stats.segmentsDropped,
      segmentsDuplicated: stats.segmentsDuplicated,
      retransmits: stats.retransmits,
      retransmittedBytes: { ...stats.retransmittedBytes },
      redundantBytes: stats.redundantBytes,
      endTime: stats.endTime,
    },
    listeners: Object.fromEntries(
      reports.map((r) => [r.id, r.listeners]).filter(([, l]) => Object.keys(l).length),
    ),
    connections: Object.fromEntries(reports.map((r) => [r.id, r.connections.map(connectionSummary)])),
  };
}

function connectionSummary(c: EndpointReport['connections'][number]) {
  return {
    conn: c.conn,
    ...(c.label ? { label: c.label } : {}),
    state: c.state,
    ...(c.reason ? { reason: c.reason } : {}),
    bytesSent: c.bytesSent,
    bytesReceived: c.bytesReceived,
    integrityErrors: c.integrityErrors,
  };
}
