/**
 * The Transmission Control Block (RFC 9293 §3.3.1) and the types the
 * processing rules exchange with the machine. Every field states the
 * invariant it holds; sequence numbers are 32-bit unsigned (mod 2^32), times
 * are virtual ms.
 */

import { type CongestionControl, createCongestionControl } from '../congestion/state.js';
import type { HashKey } from '../hash.js';
import type { IsnPolicy } from '../isn.js';
import { createLossState, type LossState } from '../loss/state.js';
import type { TcpState } from '../machine/states.js';
import type { Profile, ProfileSocketOptions } from '../profiles.js';
import type { SackBlock, Segment, SocketAddress } from '../segment.js';
import { seqAdd, seqGt } from '../seq.js';
import { initialRtt, type RttEstimator } from './rtt.js';

/** Why a connection reached CLOSED. */
export type CloseReason = 'normal' | 'reset' | 'refused' | 'timeout' | 'aborted';

/** `keepalive`: a keepalive probe (RFC 1122 §4.2.3.6), labelled like a zero-window probe but not counted. */
export const RetransmitKinds = ['SYN', 'SYN-ACK', 'FIN', 'data', 'probe', 'keepalive'] as const;

export type RetransmitKind = (typeof RetransmitKinds)[number];

export type RetransmitCounts = Record<Exclude<RetransmitKind, 'keepalive'>, number>;

/**
 * Why a segment was sent again: the retransmission timer (RFC 6298 §5), loss recovery (RFC 5681
 * §3.2 / RFC 6582 fast retransmit, RFC 6675 SACK recovery, RFC 8985 RACK), or a tail loss probe
 * (RFC 8985 §7).
 */
export type RetransmitCause = 'rto' | 'fast' | 'tlp';

/** Linux's congestion-avoidance states (tcp_ca_state: TCP_CA_Open … TCP_CA_Loss). */
export const CongestionStates = ['Open', 'Disorder', 'CWR', 'Recovery', 'Loss'] as const;

export type CongestionStateName = (typeof CongestionStates)[number];

/** Linux TCP_INFINITE_SSTHRESH: ssthresh before the first loss. */
export const INFINITE_SSTHRESH = 0x7fffffff;

/**
 * The sender's congestion-control picture, in segments like Linux's tcp_info (tcpi_snd_cwnd,
 * tcpi_snd_ssthresh, tcp_packets_in_flight, tcpi_sacked). Emitted whenever a field changes.
 */
export interface CongestionSnapshot {
  readonly state: CongestionStateName;
  /** Congestion window, segments. */
  readonly cwnd: number;
  /** Slow-start threshold, segments; INFINITE_SSTHRESH before the first loss. */
  readonly ssthresh: number;
  /** Segments in flight (Linux tcp_packets_in_flight: sent − sacked − lost + retransmitted). */
  readonly inFlight: number;
  /** Segments the peer has SACKed above SND.UNA. */
  readonly sacked: number;
  /** Sender MSS in bytes (cwnd × mss = bytes). */
  readonly mss: number;
}

/** Everything a connection emits, in a form another actor can forward. */
export type ConnectionOutput =
  | { type: 'segment'; segment: Segment; retransmit?: RetransmitKind; cause?: RetransmitCause }
  | { type: 'connected' }
  | { type: 'data'; bytes: Uint8Array }
  | { type: 'peer-closed' }
  | { type: 'closed'; reason: CloseReason }
  /** A user call failed; `discarded`: queued bytes that will never be sent because of it. */
  | { type: 'error'; error: string; discarded?: number }
  | { type: 'retransmit'; kind: RetransmitKind; count: number; rto: number }
  /** The congestion-control picture changed (RFC 5681 / RFC 9438 / RFC 8985 state). */
  | { type: 'cc'; cc: CongestionSnapshot };

/** Out-of-order text held for reassembly: `data` starts at `seq`; `fin` when the peer's FIN follows it. */
export interface OutOfOrder {
  readonly seq: number;
  readonly data: Uint8Array;
  readonly fin: boolean;
}

/**
 * The options a Linux-layout SYN cookie brings back (syncookies.ts; cookie_v4_check): timestamps
 * when the ACK carries them, and then SACK-permitted and the client's window shift from its TSecr.
 * Absent (the RFC 4987 layout): the connection gets no options but the MSS.
 */
export interface RestoredCookieOptions {
  readonly timestamps: boolean;
  readonly sackOk: boolean;
  /** The client's shift count; undefined: no window scaling. */
  readonly wscale?: number;
}

/** Events the processing rules understand (the machine's events, with the virtual time). */
export type TcpEvent =
  | { type: 'OPEN_ACTIVE'; now: number; remote?: SocketAddress }
  | { type: 'OPEN_PASSIVE'; now: number }
  /**
   * `more`: send(2) with MSG_MORE — this write's short tail waits like TCP_CORK and gets no PSH;
   * only this call is corked (Linux tcp_push: nonagle = TCP_NAGLE_CORK, no tcp_mark_push).
   */
  | { type: 'SEND'; now: number; data: Uint8Array; more?: boolean }
  /**
   * `bytes`: read at most this many (read(2)'s count; the rest stays in the buffer and keeps the
   * window small); absent: everything received.
   */
  | { type: 'RECEIVE'; now: number; bytes?: number }
  /**
   * `orphan`: close() — the application will never read again (Linux RCV_SHUTDOWN); else a
   * half-close. `unread`: bytes already delivered to the application's side that it never read (a
   * socket layer above an autoRead connection holds them; the TCB's own `readable` counts too).
   * `lingerZero`: SO_LINGER on with a zero timeout — close() aborts (Linux tcp_close → tcp_disconnect).
   */
  | { type: 'CLOSE'; now: number; orphan?: boolean; unread?: number; lingerZero?: boolean }
  | { type: 'ABORT'; now: number }
  | { type: 'SEGMENT_ARRIVES'; now: number; segment: Segment }
  | { type: 'RTO_TIMEOUT'; now: number }
  | { type: 'DELAYED_ACK_TIMEOUT'; now: number }
  /** The FIN_WAIT_2 timer of a connection the application closed (profile.finWait2Timeout). */
  | { type: 'FIN_WAIT_2_TIMEOUT'; now: number }
  /** RFC 8985 §7.2: the tail loss probe timer (PTO) expired. */
  | { type: 'TLP_TIMEOUT'; now: number }
  /** RFC 8985 §6.3: RACK's reordering timer expired (segments waiting out the reordering window). */
  | { type: 'RACK_REORDER_TIMEOUT'; now: number }
  /** The keepalive timer expired (RFC 1122 §4.2.3.6; Linux tcp_keepalive_timer). */
  | { type: 'KEEPALIVE_TIMEOUT'; now: number }
  /**
   * The listener validated a SYN cookie in this ACK (syncookies.ts): build the connection from
   * the ACK alone, with ISS = SEG.ACK − 1, IRS = SEG.SEQ − 1 and the MSS the cookie encoded.
   */
  | { type: 'COOKIE_ACK'; now: number; segment: Segment; mss: number; restored?: RestoredCookieOptions }
  /** The application set socket options (setsockopt): socket-options.ts. */
  | { type: 'SET_SOCKET_OPTIONS'; now: number; options: Partial<SocketOptions> };

/** Per-connection socket options an application may set at any time (Linux setsockopt). */
export interface SocketOptions extends ProfileSocketOptions {
  /** TCP_NODELAY: small segments leave at once, Nagle's algorithm is off (tcb/nagle.ts). */
  nodelay: boolean;
  /** TCP_CORK: only full-sized segments leave until it is cleared (tcb/nagle.ts). */
  cork: boolean;
}

export type TcpEventType = TcpEvent['type'];

export interface Tcb {
  // --- identity (fixed for the life of the block) ---
  readonly id: string;
  readonly local: SocketAddress;
  /** The foreign socket; port 0 while a passive open has not met its peer (§3.10.1 "unspecified"). */
  readonly remote: SocketAddress;
  readonly profile: Profile;
  /** RFC 6528 secret key for ISN selection. */
  readonly isnKey: HashKey;
  /** A fixed ISN instead of RFC 6528 (for teaching "why random ISNs"); undefined in real use. */
  readonly fixedIsn: number | undefined;
  /** 'keyed-hash' (RFC 6528) or 'clock' (RFC 793's bare clock, predictable; teaching only). */
  readonly isnPolicy: IsnPolicy;
  /** RFC single-TCB model: SYN_RECEIVED returns to LISTEN on RST. Listener children close instead. */
  readonly returnToListen: boolean;
  /** Data reaches the application at once; otherwise it waits for RECEIVE and shrinks the window. */
  readonly autoRead: boolean;
  /**
   * For a listener's half-open entry: the SYN-ACK retransmissions it may make now, asked when its
   * timer fires (the listener's queue decides: Linux reqsk_timer_handler). Undefined: synackRetries.
   */
  readonly synAckBudget: (() => number) | undefined;

  // --- connection state ---
  /** The RFC state this block is in: always the machine's active leaf (the machine assigns both in one step). */
  state: TcpState;
  /** Opened by a passive OPEN (LISTEN): decides RST handling in SYN_RECEIVED (§3.10.7.4 second step). */
  passive: boolean;
  /** An OPEN was ever issued: only then does reaching CLOSED tell the application "closed". */
  opened: boolean;
  /** Set exactly when the state is CLOSED after having been open; undefined otherwise. */
  closeReason: CloseReason | undefined;

  // --- send sequence space (RFC 9293 §3.3.1): SND.UNA ≤ SND.NXT ≤ SND.MAX ---
  /** Initial send sequence number. */
  iss: number;
  /** Oldest unacknowledged sequence number. */
  sndUna: number;
  /** Next sequence number to send; rewound to SND.UNA on a timeout (go back), never below it. */
  sndNxt: number;
  /** Highest sequence number sent (BSD snd_max): SND.NXT is rewound on timeout, this is not. */
  sndMax: number;
  /** Send window the peer last advertised (bytes from SND.UNA). */
  sndWnd: number;
  /** SEG.SEQ of the segment that last updated SND.WND (§3.10.7.4 window update rule). */
  sndWl1: number;
  /** SEG.ACK of the segment that last updated SND.WND. */
  sndWl2: number;
  /** Largest window the peer ever advertised (RFC 5961 §5.2 MAX.SND.WND). */
  maxSndWnd: number;
  /** MSS we may send: min(peer's MSS option or 536, ours); ≥ 1. */
  sendMss: number;
  /** Bytes from `dataStart` on: sent-but-unacknowledged, then not yet sent. Never holds the SYN or FIN. */
  sendBuffer: Uint8Array;
  /** Sequence number of sendBuffer[0]; equals SND.UNA once the SYN is acknowledged (until the FIN is). */
  dataStart: number;
  /** Sequence number our FIN occupies once the user called CLOSE (= end of queued data); undefined before. */
  finSeq: number | undefined;

  // --- receive sequence space ---
  /** Initial receive sequence number (the peer's ISN). */
  irs: number;
  /** Next sequence number expected; everything before it was delivered or buffered in `readable`. */
  rcvNxt: number;
  /** Bytes received in order but not yet read by the application (autoRead off); shrinks the window. */
  readable: Uint8Array;
  /** Out-of-order text within the window, sorted by seq, each entry beyond RCV.NXT. */
  outOfOrder: OutOfOrder[];
  /** The peer's FIN was received in order (RCV.NXT counts it). */
  peerFinReceived: boolean;

  // --- timers and RTT (RFC 6298) ---
  /** The RTO estimator; `rtt.rto` is the delay the retransmission timer is (re)armed with. */
  rtt: RttEstimator;
  /** Sequence number whose ACK completes the running RTT measurement; undefined when none runs (Karn). */
  rttSeq: number | undefined;
  /** When the segment being timed was sent (meaningful only while rttSeq is set). */
  rttStart: number;
  /** Consecutive retransmission timeouts without new data acknowledged (RFC 9293 §3.8.3 R1/R2). */
  retries: number;
  /** The retransmission timer is running; then rtoDeadline is its expiry. */
  rtoArmed: boolean;
  /** Virtual time the retransmission timer fires; undefined while it is not armed (for inspection). */
  rtoDeadline: number | undefined;
  /**
   * When the current run of timer-driven retransmissions began (Linux retrans_stamp); undefined
   * while nothing is being retransmitted. The 'elapsed' give-up and TCP_USER_TIMEOUT count from it.
   */
  retransStamp: number | undefined;
  /** When the peer last sent an acceptable ACK (Linux rcv_tstamp): keepalive measures idleness from it. */
  lastHeardAt: number;
  /** Keepalive probes sent and not answered (Linux icsk_probes_out). */
  keepaliveProbesOut: number;
  /** The delay the keepalive timer is (re)armed with (tcb/keepalive.ts). */
  keepaliveDelay: number;
  /** Received text awaits an ACK and the delayed-ACK timer is running (RFC 9293 §3.8.6.3). */
  ackPending: boolean;
  /** The application closed the socket entirely (close(), not a half-close): it reads no more. */
  orphaned: boolean;
  /**
   * When we last answered an invalid segment (challenge ACK or out-of-window ACK); undefined
   * before the first. Rate-limits such replies (profile.challengeAckInterval, Linux last_oow_ack_time).
   */
  lastInvalidReplyAt: number | undefined;
  /** Last virtual time an event was processed (for the inspector). */
  lastEventAt: number;

  // --- socket options and small-segment holding (tcb/nagle.ts, tcb/socket-options.ts) ---
  /** TCP_NODELAY is set: Nagle's algorithm is off for this connection. */
  nodelay: boolean;
  /** TCP_CORK is set: partial segments wait for a full MSS, the uncork, or the persist timer. */
  cork: boolean;
  /** True only while a MSG_MORE SEND transmits: that call is corked, the socket is not. */
  moreWrite: boolean;
  /**
   * End of the last sub-MSS segment of new data we sent (Linux snd_sml, tcp_minshall_update);
   * undefined before the first. Minshall's Nagle holds a small segment only while this is unacknowledged.
   */
  smallSentEnd: number | undefined;
  /** Linux pushed_seq: where the last PSH mark was put (tcb/push.ts); undefined before the first write. */
  pushedSeq: number | undefined;
  /** Sequence numbers ending a PSH-marked write or skb not yet sent, ascending (tcb/push.ts). */
  pushMarks: readonly number[];

  // --- options (RFC 7323, RFC 2018), set by options.ts negotiateOptions ---
  /** SACK is in effect: both SYNs carried SACK-permitted (RFC 2018 §2). */
  sackOk: boolean;
  /** Timestamps are in effect: both SYNs carried them (RFC 7323 §3.2). */
  tsOk: boolean;
  /** Window scaling is in effect: both SYNs carried the option (RFC 7323 §2.2), even with shift 0. */
  wsOk: boolean;
  /** Our shift: windows we advertise are right-shifted by it (0 unless wsOk). */
  rcvWscale: number;
  /** The peer's shift, applied to SEG.WND of non-SYN segments (RFC 7323 §2.3; 0 unless wsOk). */
  sndWscale: number;
  /** TS.Recent (RFC 7323 §4.3): the peer's TSval our segments echo. */
  tsRecent: number;
  /** Last.ACK.sent (RFC 7323 §4.3): the ACK field of the last segment we sent (Linux rcv_wup). */
  lastAckSent: number;
  /** Offset of our TSval clock (keyed hash, options.ts tsValue); undefined until first used. */
  tsOffset: number | undefined;
  /** Held out-of-order ranges to report as SACK blocks, most recently reported first (RFC 2018 §4). */
  sackBlocks: readonly SackBlock[];
  /** A duplicate range to report first in the next ACK (RFC 2883 §4 D-SACK); undefined when none. */
  dsackBlock: SackBlock | undefined;
  /** The most we advertise: our SYN's window, grown by full-sized segments up to the buffer (Linux rcv_ssthresh). */
  rcvWndCap: number;
  /** The window we last offered, in bytes (Linux rcv_wnd; tcb/receive-window.ts). */
  rcvWnd: number;
  /** RCV.NXT + RCV.WND when we last offered a window (Linux rcv_wup + rcv_wnd); undefined before. */
  rcvWndEdge: number | undefined;

  // --- ACK policy (tcb/ack-policy.ts) ---
  /** Immediate ACKs left in Linux's quick-ACK mode (icsk_ack.quick); 0: not in it. */
  quickAcks: number;
  /** Interactive (Linux ping-pong) mode: we reply to data quickly, so quick ACKs are off. */
  pingpong: boolean;
  /** Receive MSS measured from arriving segments (Linux icsk_ack.rcv_mss): the "full-sized" test. */
  rcvMss: number;
  /** When in-order data last arrived (Linux icsk_ack.lrcvtime); undefined before the first. */
  lastDataAt: number | undefined;

  // --- congestion control and loss detection (congestion/, loss/) ---
  /** Congestion window, ssthresh, Linux's congestion state (RFC 5681, RFC 6582, RFC 9438). */
  cc: CongestionControl;
  /** Retransmission queue with the SACK scoreboard (RFC 6675), RACK and TLP state (RFC 8985). */
  loss: LossState;

  /** Counters over every incarnation of this block (kept across a re-OPEN). */
  stats: {
    segmentsSent: number;
    segmentsReceived: number;
    bytesSent: number;
    bytesReceived: number;
    retransmits: RetransmitCounts;
  };
}

export interface TcbInit {
  id?: string;
  local: SocketAddress;
  remote?: SocketAddress;
  profile: Profile;
  isnKey?: HashKey;
  fixedIsn?: number;
  isnPolicy?: IsnPolicy;
  returnToListen?: boolean;
  autoRead?: boolean;
  synAckBudget?: () => number;
  /** Socket options set before the connection opened (kept across a re-OPEN). */
  socketOptions?: Partial<SocketOptions>;
}

export const EMPTY_BYTES = new Uint8Array(0);

/** RFC 9293 §3.7.1: without an MSS option the sender must assume 536. */
export const DEFAULT_MSS = 536;

/** The foreign socket of a passive open that has not met its peer. */
export const UNSPECIFIED_SOCKET: SocketAddress = Object.freeze({ addr: '0.0.0.0', port: 0 });

export function createTcb(init: TcbInit): Tcb {
  const remote = init.remote ?? UNSPECIFIED_SOCKET;
  return {
    id: init.id ?? `${init.local.addr}:${init.local.port}-${remote.addr}:${remote.port}`,
    local: init.local,
    remote,
    profile: init.profile,
    isnKey: init.isnKey ?? [0x5eed, 0xc0ffee],
    fixedIsn: init.fixedIsn,
    isnPolicy: init.isnPolicy ?? 'keyed-hash',
    returnToListen: init.returnToListen ?? true,
    autoRead: init.autoRead ?? true,
    synAckBudget: init.synAckBudget,
    state: 'CLOSED',
    passive: false,
    opened: false,
    closeReason: undefined,
    iss: 0,
    sndUna: 0,
    sndNxt: 0,
    sndMax: 0,
    sndWnd: 0,
    sndWl1: 0,
    sndWl2: 0,
    maxSndWnd: 0,
    sendMss: DEFAULT_MSS,
    sendBuffer: EMPTY_BYTES,
    dataStart: 0,
    finSeq: undefined,
    irs: 0,
    rcvNxt: 0,
    readable: EMPTY_BYTES,
    outOfOrder: [],
    peerFinReceived: false,
    rtt: initialRtt(init.profile),
    rttSeq: undefined,
    rttStart: 0,
    retries: 0,
    rtoArmed: false,
    rtoDeadline: undefined,
    retransStamp: undefined,
    lastHeardAt: 0,
    keepaliveProbesOut: 0,
    keepaliveDelay: 0,
    ackPending: false,
    orphaned: false,
    lastInvalidReplyAt: undefined,
    lastEventAt: 0,
    nodelay: init.socketOptions?.nodelay ?? false,
    cork: init.socketOptions?.cork ?? false,
    moreWrite: false,
    smallSentEnd: undefined,
    pushedSeq: undefined,
    pushMarks: [],
    sackOk: false,
    tsOk: false,
    wsOk: false,
    rcvWscale: 0,
    sndWscale: 0,
    tsRecent: 0,
    lastAckSent: 0,
    tsOffset: undefined,
    sackBlocks: [],
    dsackBlock: undefined,
    rcvWndCap: init.profile.receiveBuffer,
    rcvWnd: 0,
    rcvWndEdge: undefined,
    quickAcks: 0,
    pingpong: false,
    rcvMss: DEFAULT_MSS,
    lastDataAt: undefined,
    cc: createCongestionControl(init.profile.initialWindow),
    loss: createLossState(),
    stats: createStats(),
  };
}

function createStats(): Tcb['stats'] {
  return {
    segmentsSent: 0,
    segmentsReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    retransmits: { SYN: 0, 'SYN-ACK': 0, FIN: 0, data: 0, probe: 0 },
  };
}

/**
 * Receive window: buffer space not taken by unread data, at most what we advertise (rcvWndCap) and
 * what the window field can say: 65,535 without window scaling, 65,535 << shift with it (RFC 7323
 * §2.2). With scaling the field loses the low bits: Linux rounds the window up to a multiple of
 * 2^shift (__tcp_select_window) and accepts what it advertised, so the window is that multiple.
 */
export function receiveWindow(tcb: Tcb): number {
  const free = Math.max(0, Math.min(tcb.rcvWndCap, tcb.profile.receiveBuffer - tcb.readable.length));
  if (!tcb.wsOk) return Math.min(65_535, free);
  const unit = 2 ** tcb.rcvWscale;
  return Math.min(65_535 * unit, Math.ceil(free / unit) * unit);
}

/** End of queued data (sequence number after the last byte the user sent). */
export function dataEnd(tcb: Tcb): number {
  return seqAdd(tcb.dataStart, tcb.sendBuffer.length);
}

/** Our FIN has left (it lies below SND.MAX). */
export function finSent(tcb: Tcb): boolean {
  return tcb.finSeq !== undefined && seqGt(tcb.sndMax, tcb.finSeq);
}

/** Our FIN is acknowledged (it lies below SND.UNA). */
export function finAcked(tcb: Tcb): boolean {
  return tcb.finSeq !== undefined && seqGt(tcb.sndUna, tcb.finSeq);
}

/** A byte array a + b (a fresh copy: the caller may keep neither). */
export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b.slice();
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
