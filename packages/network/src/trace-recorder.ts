/**
 * Turns what happened into trace events (the public JSON Lines contract, README "Trace schema")
 * and counts it. Events are only built when someone reads them (`tracing`); the counters are
 * kept either way, so quiet runs (sweeps, benchmarks) have the same stats and summary.
 */
import { isListenerConn, type RetransmitCause, toTraceSegment } from '@synack/core';
import type { EndpointRecord } from './endpoint.js';
import type { FaultEvent } from './faults.js';
import { RetransmitLedger, type RetransmittedBytes } from './retransmit-ledger.js';
import type { Packet, TraceEvent } from './types.js';

export interface RunStats {
  segmentsSent: number;
  segmentsDelivered: number;
  segmentsDropped: number;
  segmentsDuplicated: number;
  /** Retransmitted segments by kind (SYN, SYN-ACK, data, FIN, probe). */
  retransmits: Record<string, number>;
  /** Payload bytes retransmitted, by what triggered the resend (RTO, fast retransmit, tail loss probe). */
  retransmittedBytes: RetransmittedBytes;
  /** Of those, bytes the receiving endpoint already held when they were resent (retransmit-ledger.ts). */
  redundantBytes: number;
  /** Virtual ms of the last event. */
  endTime: number;
  /** Number of coordinator steps (virtual instants with work). */
  steps: number;
  /** Wall-clock ms the run took. */
  wallMs: number;
}

/** A segment an endpoint sent, with what the network made of it. */
export interface SentPacket {
  packet: Packet;
  conn?: string;
  /** What was retransmitted (SYN, SYN-ACK, data, FIN, probe), if this is a retransmission. */
  retransmit?: string;
  /** Why it was retransmitted: RTO, fast retransmit or tail loss probe (core's RetransmitCause). */
  cause?: RetransmitCause;
  /** False when the destination address belongs to no endpoint. */
  routed: boolean;
  /** The fault pipeline's drops and duplicates of this packet, in order. */
  faults: readonly FaultEvent[];
  /** Scheduled deliveries of this instant by packet id (the packet itself and any copies). */
  scheduled: ReadonlyMap<number, Packet>;
}

type HostRecord = Extract<EndpointRecord, { k: 'state' | 'app' | 'timer' | 'cc' }>;
type HostDrop = Extract<EndpointRecord, { k: 'drop' }>;

/** The `seg` of send/drop/duplicate lines nobody will read (quiet runs). */
const EMPTY_SEG = toTraceSegment({
  srcAddr: '0.0.0.0',
  srcPort: 0,
  dstAddr: '0.0.0.0',
  dstPort: 0,
  seq: 0,
  ack: 0,
  flags: 0,
  win: 0,
});

export class TraceRecorder {
  private readonly ledger = new RetransmitLedger();
  /** The whole trace, when collected. */
  readonly trace: TraceEvent[] = [];
  readonly stats: RunStats = {
    segmentsSent: 0,
    segmentsDelivered: 0,
    segmentsDropped: 0,
    segmentsDuplicated: 0,
    retransmits: { SYN: 0, 'SYN-ACK': 0, data: 0, FIN: 0, probe: 0 },
    // The ledger's own counters, shared: they are always current.
    retransmittedBytes: this.ledger.bytes,
    redundantBytes: 0,
    endTime: 0,
    steps: 0,
    wallMs: 0,
  };
  /** Whether trace events are built at all. */
  readonly tracing: boolean;

  constructor(
    private readonly collect: boolean,
    private readonly onTrace?: (event: TraceEvent) => void,
  ) {
    this.tracing = collect || onTrace !== undefined;
  }

  emit(event: TraceEvent): void {
    if (this.collect) this.trace.push(event);
    this.onTrace?.(event);
  }

  delivered(t: number, packet: Packet): void {
    this.stats.segmentsDelivered++;
    this.ledger.delivered(packet.segment);
    if (!this.tracing) return;
    this.emit({
      t,
      kind: 'deliver',
      endpoint: packet.to,
      from: packet.from,
      to: packet.to,
      id: packet.id,
      seg: toTraceSegment(packet.segment),
      ...(packet.duplicateOf !== undefined ? { duplicateOf: packet.duplicateOf } : {}),
      ...(packet.reordered ? { reordered: true } : {}),
    });
  }

  /** The `send` line, then the network's verdicts on it: no route, drops, duplicates. */
  sent(t: number, endpoint: string, sent: SentPacket): void {
    const { packet: p, conn, retransmit, cause } = sent;
    const seg = this.tracing ? toTraceSegment(p.segment) : EMPTY_SEG;
    const delivery = sent.scheduled.get(p.id);
    this.stats.segmentsSent++;
    if (retransmit && retransmit in this.stats.retransmits) this.stats.retransmits[retransmit]++;
    this.countRetransmitted(p, retransmit !== undefined || cause !== undefined, cause);
    if (this.tracing)
      this.emit({
        t,
        kind: 'send',
        endpoint,
        from: p.from,
        to: p.to,
        id: p.id,
        seg,
        ...(conn ? { conn } : {}),
        ...(p.senderState ? { state: p.senderState } : {}),
        ...(retransmit ? { retransmit: true, retransmitKind: retransmit } : {}),
        ...(cause ? { cause } : {}),
        ...(delivery ? { delay: delivery.deliverAt - t } : {}),
        ...(delivery?.reordered ? { reordered: true } : {}),
      });
    const { from, to } = p;
    if (!sent.routed)
      this.dropped({ t, kind: 'drop', endpoint, from, to, id: p.id, seg, reason: 'no-route' });
    for (const fault of sent.faults) {
      if (fault.kind === 'drop') {
        this.dropped({ t, kind: 'drop', endpoint, from, to, id: p.id, seg, reason: fault.reason });
        continue;
      }
      this.stats.segmentsDuplicated++;
      const copy = sent.scheduled.get(fault.packet.id);
      if (this.tracing)
        this.emit({
          t,
          kind: 'duplicate',
          endpoint,
          from,
          to,
          id: fault.packet.id,
          duplicateOf: p.id,
          seg,
          ...(copy ? { delay: copy.deliverAt - t } : {}),
        });
    }
  }

  /** A segment the receiving host dropped (SYN queue full, …); `from` is the sender's id or address. */
  hostDropped(t: number, endpoint: string, from: string, record: HostDrop): void {
    this.dropped({
      t,
      kind: 'drop',
      endpoint,
      from,
      to: endpoint,
      id: 0,
      seg: this.tracing ? toTraceSegment(record.seg) : EMPTY_SEG,
      reason: record.reason,
    });
  }

  /** State changes, application events and retransmission timeouts, reported by the endpoint. */
  happened(t: number, endpoint: string, record: HostRecord): void {
    if (!this.tracing) return;
    switch (record.k) {
      case 'state':
        this.emit({
          t,
          kind: 'state',
          endpoint,
          conn: record.conn,
          from: record.from,
          to: record.to,
          ...(isListenerConn(record.conn) ? { role: 'listener' as const } : {}),
        });
        return;
      case 'app':
        this.emit({
          t,
          kind: 'app',
          endpoint,
          ...(record.conn !== undefined ? { conn: record.conn } : {}),
          event: record.event,
          ...(record.detail ?? {}),
        });
        return;
      case 'cc':
        this.emit({ t, kind: 'cc', endpoint, conn: record.conn, ...record.cc });
        return;
      case 'timer': {
        // The host reports what was retransmitted as `kind`; the trace's `kind` is "timer".
        const { kind: retransmitKind, ...detail } = record.detail;
        this.emit({
          t,
          kind: 'timer',
          endpoint,
          conn: record.conn,
          timer: record.timer,
          action: 'retransmit',
          retransmitKind: String(retransmitKind),
          ...detail,
        });
        return;
      }
    }
  }

  private countRetransmitted(p: Packet, retransmitted: boolean, cause: RetransmitCause | undefined): void {
    this.ledger.sent(p.segment, retransmitted, cause);
    if (retransmitted) this.stats.redundantBytes = this.ledger.redundant;
  }

  private dropped(event: TraceEvent): void {
    this.stats.segmentsDropped++;
    if (this.tracing) this.emit(event);
  }
}
