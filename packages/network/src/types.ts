import type { FlagName, Segment, TraceSegment } from '@synack/core';

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

/** Gilbert–Elliott two-state burst-loss model. */
export interface BurstLossModel {
  /** P(good -> bad) per packet. */
  pGoodToBad: number;
  /** P(bad -> good) per packet. */
  pBadToGood: number;
  /** Loss probability while in the good state (default 0). */
  lossGood?: number;
  /** Loss probability while in the bad state (default 1). */
  lossBad?: number;
}

/** Random faults of one link direction. All probabilities in [0, 1], times in virtual ms. */
export interface FaultModel {
  /** Bernoulli loss probability. */
  loss?: number;
  burstLoss?: BurstLossModel;
  /** Probability that a packet is held back by `reorderDelay` (so later packets overtake it). */
  reorder?: number;
  /** Extra delay of a reordered packet (default 2 × (delay + jitter), at least 1 ms). */
  reorderDelay?: number;
  /** Probability that a packet is delivered twice. */
  duplicate?: number;
  /** One-way base delay (default 10 ms). */
  delay?: number;
  /** Uniform extra delay in [0, jitter]. */
  jitter?: number;
  /** Link rate in bytes per second (serialisation delay); unlimited when absent. */
  bandwidth?: number;
  /** Maximum packets queued behind the link when `bandwidth` is set; tail drop beyond. */
  queueLimit?: number;
}

/** Matches packets for a targeted fault. Every given field must match. */
export interface PacketMatcher {
  from?: string;
  to?: string;
  /** All these flags set (others may be set too). */
  flags?: FlagName[];
  /** Exactly these flags set. */
  exactFlags?: FlagName[];
  /** State of the sending connection at emission time. */
  senderState?: string;
  /** Payload length at least this. */
  minLen?: number;
  /** Which match to hit: 1 = the first (default), 2 = the second, ...; 0 = every match. */
  nth?: number;
}

export type FaultAction = { drop: true } | { delay: number } | { duplicate: true };

export interface TargetedFault {
  match: PacketMatcher | ((packet: Packet) => boolean);
  action: FaultAction;
  /** Free text shown in the trace as the reason, e.g. "drop the first SYN-ACK". */
  label?: string;
}

/** Network configuration: a default fault model, per-direction overrides ("client->server"), targeted faults. */
export interface NetworkConfig {
  default?: FaultModel;
  links?: Record<string, FaultModel>;
  faults?: TargetedFault[];
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
