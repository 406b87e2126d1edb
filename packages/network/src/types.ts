import type { CongestionStateName, RetransmitCause, Segment, TraceSegment } from '@synack/core';

/** A segment on the wire between two endpoints (ids such as "client", "server"). */
export interface Packet {
  /** Unique, increasing id assigned by the coordinator in a deterministic order. */
  readonly id: number;
  readonly from: string;
  readonly to: string;
  readonly segment: Segment;
  /** Virtual ms when the sender emitted it. */
  readonly sentAt: number;
  /** State of the sending connection when it was emitted (e.g. "TIME_WAIT"), when known. */
  readonly senderState?: string;
  /** Virtual ms when it will be delivered (filled in by the fault pipeline). */
  deliverAt: number;
  /** Set on the copy created by duplication: id of the original packet. */
  duplicateOf?: number;
  /** Set when the reorder fault held this packet back. */
  reordered?: boolean;
}

export type DropReason = 'loss' | 'burst-loss' | 'queue-full' | 'targeted' | 'syn-queue-full' | string;

/** Public trace contract: one JSON object per line (see the package README). */
export type TraceEvent =
  | {
      t: number;
      kind: 'state';
      endpoint: string;
      conn: string;
      from: string;
      to: string;
      /**
       * 'listener': the line is a listening socket's own (conn "listener:PORT": CLOSED → LISTEN at
       * listen(), LISTEN → CLOSED when it closes), not a connection's. Absent on connections,
       * whose half-open entries start at LISTEN → SYN_RECEIVED.
       */
      role?: 'listener';
    }
  | {
      t: number;
      kind: 'send' | 'deliver' | 'drop' | 'duplicate';
      endpoint: string;
      from: string;
      to: string;
      id: number;
      seg: TraceSegment;
      conn?: string;
      reason?: DropReason;
      delay?: number;
      reordered?: boolean;
      duplicateOf?: number;
      retransmit?: boolean;
      /** send: what was retransmitted (SYN, SYN-ACK, data, FIN, probe). */
      retransmitKind?: string;
      /** send: why it was retransmitted: 'rto' (retransmission timer), 'fast' (fast retransmit /
       * SACK or RACK loss detection), 'tlp' (tail loss probe). Absent on first transmissions. */
      cause?: RetransmitCause;
      /** send: the sending connection's state once it had processed the event that sent this. */
      state?: string;
    }
  | {
      t: number;
      kind: 'timer';
      endpoint: string;
      conn: string;
      timer: string;
      action?: string;
      /** What the timer retransmitted: SYN, SYN-ACK, data, FIN or probe. */
      retransmitKind?: string;
      rto?: number;
      count?: number;
    }
  | {
      /** The sender's congestion-control picture changed (core's CongestionSnapshot, in segments). */
      t: number;
      kind: 'cc';
      endpoint: string;
      conn: string;
      /** Linux tcp_ca_state name: Open, Disorder, CWR, Recovery, Loss. */
      state: CongestionStateName;
      cwnd: number;
      /** 2147483647 (Linux TCP_INFINITE_SSTHRESH) before the first loss. */
      ssthresh: number;
      inFlight: number;
      sacked: number;
      mss: number;
    }
  | {
      t: number;
      kind: 'app';
      endpoint: string;
      conn?: string;
      event: string;
      [key: string]: unknown;
    }
  | {
      t: number;
      kind: 'summary';
      endpoint: '*';
      ok: boolean;
      final: Record<string, string[]>;
      error?: string;
      [key: string]: unknown;
    };
