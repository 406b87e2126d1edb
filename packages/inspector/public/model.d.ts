// Types of model.js for the TypeScript tests (not served to the page).

export interface StepRecord {
  t: number;
  from: string;
  to: string;
  index: number;
  event: string | null;
  endpoint: string;
  conn: string;
}

export interface ConnView {
  id: string;
  endpoint: string;
  state: string;
  history: StepRecord[];
  last: StepRecord | null;
  context: Record<string, number> | null;
  contextT: number | null;
  label: string | null;
  createdAt: number;
  timeWaitSince: number | null;
  retransmits: number;
  stopped: boolean;
  /** Congestion-control samples from `cc` trace lines, in time order. */
  cc: CcSample[];
  /** Actions after the last transition that changed no state (null before the first). */
  since: {
    sent: number;
    lastSent: number | null;
    received: number;
    lastReceived: number | null;
    restarts: Array<{ t: number; segment: number }>;
  } | null;
}

export interface CcSample {
  t: number;
  state: string;
  cwnd: number;
  ssthresh: number;
  inFlight: number;
  sacked: number;
  mss: number;
}

export interface EndpointView {
  id: string;
  address: string;
  profile: string;
  timeWait: number;
  conns: Map<string, ConnView>;
  listeners: Map<string, { value: string; context: Record<string, unknown> | null; t: number }>;
  lastActive: string | null;
}

export interface SegmentView {
  id: number;
  from: string;
  to: string;
  seg: {
    srcPort: number;
    dstPort: number;
    seq: number;
    ack: number;
    flags: string[];
    len: number;
    win: number;
  };
  t: number;
  index: number;
  conn: string | null;
  state: string | null;
  delay: number | null;
  retransmit: boolean;
  retransmitKind: string | null;
  cause: 'rto' | 'fast' | 'tlp' | null;
  retransmitOf: number | null;
  reordered: boolean;
  /** synack replay: the rule this observed segment breaks. */
  divergence: { rule: string; detail: string } | null;
  duplicateOf: number | null;
  deliveredAt: number | null;
  deliverIndex: number | null;
  drop: { reason: string; t: number; host: boolean; index: number } | null;
  relSeq: number | null;
  relAck: number | null;
}

export interface Model {
  endpoints: EndpointView[];
  /** Narration lines (`explain` events) up to the moment shown (narration.js). */
  narration: Array<{ index: number; ref: number; t: number; lang: 'en' | 'zh'; text: string }>;
  endpointById: Map<string, EndpointView>;
  addressToId: Map<string, string>;
  extraLanes: string[];
  segments: Map<number, SegmentView>;
  segmentOrder: number[];
  instants: number[];
  stateEvents: StepRecord[];
  stats: {
    sent: number;
    delivered: number;
    dropped: number;
    netDropped: number;
    hostDropped: number;
    duplicated: number;
    retransmits: number;
  };
  firstBySeq: Map<string, number>;
  /** Initial sequence number per direction (relative numbering). */
  isn: Map<string, number>;
  count: number;
  traceCount: number;
  t: number;
  summary: Record<string, unknown> | null;
  lastSegment: number | null;
}

export const ELSEWHERE: string;
export function createModel(hello: unknown): Model;
export function applyEvent(model: Model, ev: unknown, index: number, events?: readonly unknown[]): Model;
export function deriveModel(hello: unknown, events: readonly unknown[], count?: number): Model;
export function cloneModel(model: Model): Model;
export function transitionSteps(events: readonly unknown[], from?: number, out?: StepRecord[]): StepRecord[];
export function countForCursor(traceIdx: readonly number[], total: number, k: number): number;
export function causedBy(model: Model, segId: number): StepRecord[];
export function retransmissionReason(
  model: Model,
  s: SegmentView | null | undefined,
): { cause: string | null; of: number | null; text: string } | null;
export function causeOf(
  model: Model,
  step: StepRecord,
): { kind: 'segment' | 'timer' | 'call'; segment: number | null; text: string } | null;
export function formatTime(t: number | null | undefined): string;
export function segmentLabel(s: SegmentView): string;
export function stateCounts(endpoint: EndpointView, order: readonly string[]): Array<[string, number]>;
export function contextRows(conn: ConnView | null | undefined): Array<[string, string | number]>;
export function pendingTimers(
  conn: ConnView | null | undefined,
  endpoint: EndpointView | null | undefined,
  now: number,
): Array<{ name: string; at: number; in: number }>;
