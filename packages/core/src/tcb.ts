/**
 * The Transmission Control Block and the pure event-processing rules of
 * RFC 9293 §3.10. Each function takes the current state name, the TCB and an
 * event and returns the next state, a new TCB and what to emit — no I/O, no
 * clock reads (time arrives on the event), so the XState machine in
 * machine.ts only chooses transitions from these results.
 */
import type { HashKey } from './hash.js';
import { rfc6528Isn } from './isn.js';
import type { Profile } from './profiles.js';
import { synackTimeout, synRetransmissions, synTimeout } from './profiles.js';
import { Flag, payloadLength, type Segment, type SocketAddress, segmentLength } from './segment.js';
import { seqAdd, seqDiff, seqGe, seqGt, seqInRange, seqLe, seqLt, seqMax } from './seq.js';

export const TCP_STATES = [
  'CLOSED',
  'LISTEN',
  'SYN_SENT',
  'SYN_RECEIVED',
  'ESTABLISHED',
  'FIN_WAIT_1',
  'FIN_WAIT_2',
  'CLOSE_WAIT',
  'CLOSING',
  'LAST_ACK',
  'TIME_WAIT',
] as const;

export type TcpState = (typeof TCP_STATES)[number];

/** Why a connection reached CLOSED. */
export type CloseReason = 'normal' | 'reset' | 'refused' | 'timeout' | 'aborted';

export const RetransmitKinds = ['SYN', 'SYN-ACK', 'FIN', 'data', 'probe'] as const;

export type RetransmitKind = (typeof RetransmitKinds)[number];

/** Everything a connection actor emits, in a form another actor can forward. */
export type ConnectionOutput =
  | { type: 'segment'; segment: Segment; retransmit?: RetransmitKind }
  | { type: 'connected' }
  | { type: 'data'; bytes: Uint8Array }
  | { type: 'peer-closed' }
  | { type: 'closed'; reason: CloseReason }
  | { type: 'error'; error: string }
  | { type: 'retransmit'; kind: RetransmitKind; count: number; rto: number };

interface OutOfOrder {
  seq: number;
  data: Uint8Array;
  fin: boolean;
}

export interface RetransmitCounts {
  SYN: number;
  'SYN-ACK': number;
  FIN: number;
  data: number;
  probe: number;
}

export interface Tcb {
  readonly id: string;
  readonly local: SocketAddress;
  readonly remote: SocketAddress;
  readonly profile: Profile;
  readonly isnKey: HashKey;
  /** A fixed ISN instead of RFC 6528 (for teaching "why random ISNs"). */
  readonly fixedIsn?: number;
  /** Opened by a passive OPEN (LISTEN). */
  passive: boolean;
  /** RFC single-TCB model: SYN_RECEIVED returns to LISTEN on RST. Listener children close instead. */
  readonly returnToListen: boolean;
  /** Data reaches the application at once; otherwise it waits for RECEIVE and shrinks the window. */
  readonly autoRead: boolean;
  opened: boolean;
  iss: number;
  irs: number;
  sndUna: number;
  sndNxt: number;
  /** Highest sequence number sent (BSD snd_max): SND.NXT is rewound on timeout, this is not. */
  sndMax: number;
  sndWnd: number;
  sndWl1: number;
  sndWl2: number;
  maxSndWnd: number;
  /** MSS we may send: min(peer's MSS option or 536, ours). */
  sendMss: number;
  /** Bytes from `dataStart` on: sent-but-unacknowledged, then not yet sent. */
  sendBuffer: Uint8Array;
  /** Sequence number of sendBuffer[0]. */
  dataStart: number;
  /** Sequence number our FIN occupies once the user called CLOSE, else -1. */
  finSeq: number;
  rcvNxt: number;
  /** Bytes received in order but not yet read by the application (autoRead off). */
  readable: Uint8Array;
  outOfOrder: OutOfOrder[];
  peerFinReceived: boolean;
  rto: number;
  /** -1 before the first RTT sample. */
  srtt: number;
  rttvar: number;
  /** Sequence number whose ACK completes the running RTT measurement, -1 when none (Karn). */
  rttSeq: number;
  rttStart: number;
  /** Consecutive retransmission timeouts. */
  retries: number;
  rtoArmed: boolean;
  ackPending: boolean;
  closeReason: CloseReason | null;
  /** Last virtual time an event was processed (for the inspector). */
  lastEventAt: number;
  rtoDeadline: number;
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
  returnToListen?: boolean;
  autoRead?: boolean;
}

export function createTcb(init: TcbInit): Tcb {
  const remote = init.remote ?? { addr: '0.0.0.0', port: 0 };
  return {
    id: init.id ?? `${init.local.addr}:${init.local.port}-${remote.addr}:${remote.port}`,
    local: init.local,
    remote,
    profile: init.profile,
    isnKey: init.isnKey ?? [0x5eed, 0xc0ffee],
    fixedIsn: init.fixedIsn,
    passive: false,
    returnToListen: init.returnToListen ?? true,
    autoRead: init.autoRead ?? true,
    opened: false,
    iss: 0,
    irs: 0,
    sndUna: 0,
    sndNxt: 0,
    sndMax: 0,
    sndWnd: 0,
    sndWl1: 0,
    sndWl2: 0,
    maxSndWnd: 0,
    sendMss: 536,
    sendBuffer: EMPTY,
    dataStart: 0,
    finSeq: -1,
    rcvNxt: 0,
    readable: EMPTY,
    outOfOrder: [],
    peerFinReceived: false,
    rto: init.profile.rtoInitial,
    srtt: -1,
    rttvar: 0,
    rttSeq: -1,
    rttStart: 0,
    retries: 0,
    rtoArmed: false,
    ackPending: false,
    closeReason: null,
    lastEventAt: 0,
    rtoDeadline: -1,
    stats: {
      segmentsSent: 0,
      segmentsReceived: 0,
      bytesSent: 0,
      bytesReceived: 0,
      retransmits: { SYN: 0, 'SYN-ACK': 0, FIN: 0, data: 0, probe: 0 },
    },
  };
}

const EMPTY = new Uint8Array(0);

/** RFC 6298 (5.7): RTO for the data phase when the handshake gave no RTT sample. */
const RTO_FALLBACK = 3000;

/** RFC 9293 §3.7.1: without an MSS option the sender must assume 536. */
export const DEFAULT_MSS = 536;

export type TimerOp = 'restart' | 'stop' | undefined;

export interface StepResult {
  next: TcpState;
  tcb: Tcb;
  out: ConnectionOutput[];
  /** Retransmission timer: restart with tcb.rto, stop, or leave alone. */
  rtoTimer?: TimerOp;
  /** Delayed-ACK timer. */
  ackTimer?: TimerOp;
  /** Re-enter the same state (TIME_WAIT: restart the 2·MSL timer). */
  reenter?: boolean;
}

/** Events the processing rules understand (the machine's events, with the virtual time). */
export type TcpEvent =
  | { type: 'OPEN_ACTIVE'; now: number; remote?: SocketAddress }
  | { type: 'OPEN_PASSIVE'; now: number }
  | { type: 'SEND'; now: number; data: Uint8Array }
  | { type: 'RECEIVE'; now: number }
  | { type: 'CLOSE'; now: number }
  | { type: 'ABORT'; now: number }
  | { type: 'SEGMENT_ARRIVES'; now: number; segment: Segment }
  | { type: 'RTO_TIMEOUT'; now: number }
  | { type: 'DELAYED_ACK_TIMEOUT'; now: number }
  /**
   * The listener validated a SYN cookie in this ACK (syncookies.ts): build the connection from
   * the ACK alone, with ISS = SEG.ACK − 1, IRS = SEG.SEQ − 1 and the MSS the cookie encoded.
   */
  | { type: 'COOKIE_ACK'; now: number; segment: Segment; mss: number };

/** A mutable working copy for one step: the TCB (shallow-copied once) plus collected outputs. */
/**
 * Copies a TCB (each processing step works on a fresh copy, so snapshots stay immutable).
 * Built once from the field list of a real TCB as a single object literal: V8 then creates
 * every copy with the same hidden class, several times faster than `{ ...tcb }` on an object
 * this wide — and this runs for every event of every connection.
 */
const cloneTcb: (tcb: Tcb) => Tcb = (() => {
  const fields = Object.keys(createTcb({ local: { addr: '0.0.0.0', port: 0 }, profile: {} as Profile }));
  const body = fields
    .map((f) =>
      f === 'stats'
        ? 'stats: { segmentsSent: t.stats.segmentsSent, segmentsReceived: t.stats.segmentsReceived, ' +
          'bytesSent: t.stats.bytesSent, bytesReceived: t.stats.bytesReceived, retransmits: { ...t.stats.retransmits } }'
        : `${f}: t.${f}`,
    )
    .join(', ');
  return new Function('t', `return { ${body} };`) as (tcb: Tcb) => Tcb;
})();

class Step {
  readonly tcb: Tcb;
  readonly out: ConnectionOutput[] = [];
  rtoTimer: TimerOp;
  ackTimer: TimerOp;
  reenter = false;

  constructor(
    tcb: Tcb,
    readonly now: number,
  ) {
    this.tcb = mutateInPlace ? tcb : cloneTcb(tcb);
    this.tcb.lastEventAt = now;
  }

  result(next: TcpState): StepResult {
    return {
      next,
      tcb: this.tcb,
      out: this.out,
      rtoTimer: this.rtoTimer,
      ackTimer: this.ackTimer,
      reenter: this.reenter,
    };
  }

  emit(output: ConnectionOutput): void {
    this.out.push(output);
  }

  /** Builds and emits a segment from this TCB; every segment we send carries our current ACK unless told otherwise. */
  send(
    flags: number,
    seq: number,
    ack: number,
    data?: Uint8Array,
    retransmit?: RetransmitKind,
    mss?: number,
  ): void {
    const t = this.tcb;
    const segment: Segment = {
      srcAddr: t.local.addr,
      srcPort: t.local.port,
      dstAddr: t.remote.addr,
      dstPort: t.remote.port,
      seq: seq >>> 0,
      ack: flags & Flag.ACK ? ack >>> 0 : 0,
      flags,
      win: receiveWindow(t),
      ...(mss !== undefined ? { mss } : {}),
      ...(data && data.length > 0 ? { data } : {}),
    };
    t.stats.segmentsSent++;
    if (data) t.stats.bytesSent += data.length;
    if (flags & Flag.ACK) {
      // Any segment carrying an ACK acknowledges everything: no delayed ACK pending any more.
      if (t.ackPending) this.ackTimer = 'stop';
      t.ackPending = false;
    }
    this.emit(retransmit ? { type: 'segment', segment, retransmit } : { type: 'segment', segment });
  }

  /** A bare ACK <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. */
  sendAck(): void {
    this.send(Flag.ACK, this.tcb.sndNxt, this.tcb.rcvNxt);
  }

  startRto(): void {
    this.tcb.rtoArmed = true;
    this.tcb.rtoDeadline = this.now + this.tcb.rto;
    this.rtoTimer = 'restart';
  }

  stopRto(): void {
    if (this.tcb.rtoArmed) this.rtoTimer = 'stop';
    this.tcb.rtoArmed = false;
    this.tcb.rtoDeadline = -1;
  }

  close(reason: CloseReason): StepResult {
    this.stopRto();
    if (this.tcb.ackPending) this.ackTimer = 'stop';
    this.tcb.ackPending = false;
    this.tcb.closeReason = reason;
    return this.result('CLOSED');
  }
}

/** Advertised receive window: buffer space not taken by unread data. */
export function receiveWindow(tcb: Tcb): number {
  return Math.max(0, Math.min(65_535, tcb.profile.receiveBuffer - tcb.readable.length));
}

function chooseIss(tcb: Tcb, now: number): number {
  return tcb.fixedIsn !== undefined ? tcb.fixedIsn >>> 0 : rfc6528Isn(now, tcb.local, tcb.remote, tcb.isnKey);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b.slice();
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** End of queued data (sequence number after the last byte the user sent). */
function dataEnd(tcb: Tcb): number {
  return seqAdd(tcb.dataStart, tcb.sendBuffer.length);
}

function finSent(tcb: Tcb): boolean {
  return tcb.finSeq !== -1 && seqGt(tcb.sndMax, tcb.finSeq);
}

function finAcked(tcb: Tcb): boolean {
  return tcb.finSeq !== -1 && seqGt(tcb.sndUna, tcb.finSeq);
}

// ---------------------------------------------------------------------------
// Output: RFC 9293 §3.8.6.2 (when to send) and §3.10.7.4 (what SEND/CLOSE emit)
// ---------------------------------------------------------------------------

/**
 * Sends whatever the send window allows from SND.NXT on: data in MSS-sized
 * segments, then the FIN when CLOSE was called and all data is out.
 * `limit` caps the number of segments (1 after a timeout: RFC 6298 (5.4)
 * retransmits only the earliest unacknowledged segment).
 */
function transmit(step: Step, limit = Number.POSITIVE_INFINITY, retransmit?: RetransmitKind): number {
  const t = step.tcb;
  let sent = 0;
  const end = dataEnd(t);
  while (sent < limit) {
    const unsent = seqDiff(end, t.sndNxt);
    const windowLeft = seqDiff(seqAdd(t.sndUna, t.sndWnd), t.sndNxt);
    if (unsent > 0 && windowLeft > 0) {
      const n = Math.min(unsent, windowLeft, t.sendMss);
      const offset = seqDiff(t.sndNxt, t.dataStart);
      const data = t.sendBuffer.subarray(offset, offset + n).slice();
      const reachesEnd = n === unsent;
      // The FIN rides on the last data segment when it fits (RFC 9293 §3.10.4: FIN after all queued SENDs).
      const withFin = reachesEnd && t.finSeq !== -1 && seqAdd(t.sndNxt, n) === t.finSeq;
      const flags = Flag.ACK | (reachesEnd ? Flag.PSH : 0) | (withFin ? Flag.FIN : 0);
      const isRetransmit = retransmit ?? (seqLt(t.sndNxt, t.sndMax) ? 'data' : undefined);
      if (t.rttSeq === -1 && !isRetransmit) {
        t.rttSeq = seqAdd(t.sndNxt, n);
        t.rttStart = step.now;
      }
      step.send(flags, t.sndNxt, t.rcvNxt, data, isRetransmit);
      t.sndNxt = seqAdd(t.sndNxt, n + (withFin ? 1 : 0));
      t.sndMax = seqMax(t.sndMax, t.sndNxt);
      if (!t.rtoArmed) step.startRto();
      sent++;
      continue;
    }
    if (unsent === 0 && t.finSeq !== -1 && t.sndNxt === t.finSeq) {
      const isRetransmit = retransmit ? 'FIN' : seqLt(t.sndNxt, t.sndMax) ? 'FIN' : undefined;
      step.send(Flag.FIN | Flag.ACK, t.sndNxt, t.rcvNxt, undefined, isRetransmit);
      t.sndNxt = seqAdd(t.sndNxt, 1);
      t.sndMax = seqMax(t.sndMax, t.sndNxt);
      if (!t.rtoArmed) step.startRto();
      sent++;
    }
    break;
  }
  // RFC 9293 §3.8.6.1: data waiting on a zero window with nothing in flight would wait forever
  // (a lost window update is never retransmitted); keep the retransmission timer running as the
  // persist timer, so rtoTimeout probes the window (RFC 1122 4.2.2.17: after one RTO).
  if (sent === 0 && !t.rtoArmed && t.sndWnd === 0 && seqLt(t.sndNxt, end)) step.startRto();
  return sent;
}

/** SYN or SYN-ACK (RFC 9293 §3.5), always from ISS, with our MSS option. */
function sendSyn(step: Step, withAck: boolean, retransmit?: RetransmitKind): void {
  const t = step.tcb;
  step.send(withAck ? Flag.SYN | Flag.ACK : Flag.SYN, t.iss, t.rcvNxt, undefined, retransmit, t.profile.mss);
  if (!t.rtoArmed) step.startRto();
}

/** Acknowledges received data/FIN now, or arms the delayed-ACK timer (RFC 9293 §3.8.6.3). */
function acknowledge(step: Step, immediately: boolean): void {
  const t = step.tcb;
  if (immediately || t.profile.ackDelay <= 0 || t.ackPending) {
    // RFC 9293 §3.8.6.3: an ACK SHOULD be generated for at least every second full-sized segment.
    step.sendAck();
    return;
  }
  t.ackPending = true;
  step.ackTimer = 'restart';
}

// ---------------------------------------------------------------------------
// User calls: RFC 9293 §3.10.1 – §3.10.6
// ---------------------------------------------------------------------------

/**
 * RFC 9293 §3.10.1: OPEN in CLOSED "create[s] a new transmission control block". The actor's
 * context outlives a connection, so every per-connection variable of an earlier incarnation
 * (pending FIN, buffers, RTT estimate, …) is reset; identity, profile and stats are kept.
 */
function newConnection(t: Tcb): void {
  const fresh = createTcb({
    id: t.id,
    local: t.local,
    remote: t.remote,
    profile: t.profile,
    isnKey: t.isnKey,
    fixedIsn: t.fixedIsn,
    returnToListen: t.returnToListen,
    autoRead: t.autoRead,
  });
  Object.assign(t, { ...fresh, stats: t.stats, lastEventAt: t.lastEventAt });
}

function openActive(
  state: TcpState,
  tcb: Tcb,
  event: Extract<TcpEvent, { type: 'OPEN_ACTIVE' }>,
): StepResult {
  const step = new Step(tcb, event.now);
  const t = step.tcb;
  if (state === 'LISTEN') {
    // RFC 9293 §3.10.1 LISTEN: "If the OPEN call is active and the foreign socket is specified,
    // then change the connection from passive to active, select an ISS. Send a SYN segment".
    const remote = event.remote ?? t.remote;
    if (remote.port === 0) {
      step.emit({ type: 'error', error: 'foreign socket unspecified' });
      return step.result(state);
    }
    (t as { remote: SocketAddress }).remote = remote;
    t.passive = false;
    startActiveOpen(step);
    return step.result('SYN_SENT');
  }
  if (state !== 'CLOSED') {
    step.emit({ type: 'error', error: 'connection already exists' });
    return step.result(state);
  }
  newConnection(t);
  if (event.remote) (t as { remote: SocketAddress }).remote = event.remote;
  t.opened = true;
  t.passive = false;
  t.closeReason = null;
  startActiveOpen(step);
  return step.result('SYN_SENT');
}

function startActiveOpen(step: Step): void {
  const t = step.tcb;
  t.iss = chooseIss(t, step.now);
  t.sndUna = t.iss;
  t.sndNxt = seqAdd(t.iss, 1);
  t.sndMax = t.sndNxt;
  t.dataStart = t.sndNxt;
  t.rto = t.profile.rtoInitial;
  t.retries = 0;
  t.rttSeq = t.sndNxt;
  t.rttStart = step.now;
  sendSyn(step, false);
}

function openPassive(
  state: TcpState,
  tcb: Tcb,
  event: Extract<TcpEvent, { type: 'OPEN_PASSIVE' }>,
): StepResult {
  const step = new Step(tcb, event.now);
  if (state !== 'CLOSED') {
    step.emit({ type: 'error', error: 'connection already exists' });
    return step.result(state);
  }
  newConnection(step.tcb);
  step.tcb.opened = true;
  step.tcb.passive = true;
  step.tcb.closeReason = null;
  return step.result('LISTEN');
}

function userSend(state: TcpState, tcb: Tcb, event: Extract<TcpEvent, { type: 'SEND' }>): StepResult {
  const step = new Step(tcb, event.now);
  const t = step.tcb;
  switch (state) {
    case 'CLOSED':
      step.emit({ type: 'error', error: 'connection does not exist' });
      return step.result(state);
    case 'LISTEN':
      // RFC 9293 §3.10.2: SEND in LISTEN with a known foreign socket turns the passive open active.
      if (t.remote.port === 0) {
        step.emit({ type: 'error', error: 'foreign socket unspecified' });
        return step.result(state);
      }
      t.passive = false;
      startActiveOpen(step);
      t.sendBuffer = concat(t.sendBuffer, event.data);
      return step.result('SYN_SENT');
    case 'SYN_SENT':
    case 'SYN_RECEIVED':
      // After a CLOSE (queued in SYN-RECEIVED until ESTABLISHED, §3.10.4) the FIN's place is
      // fixed: more data would land behind it, so the FIN could never be sent yet would count as
      // acknowledged. RFC 9293 §3.10.2: once closing, "error: connection closing" (found by the
      // network fuzzer: FIN_WAIT_2 without a FIN ever sent, the peer ESTABLISHED for ever).
      if (t.finSeq !== -1) {
        step.emit({ type: 'error', error: 'connection closing' });
        return step.result(state);
      }
      // Queued for transmission after entering ESTABLISHED.
      t.sendBuffer = concat(t.sendBuffer, event.data);
      return step.result(state);
    case 'ESTABLISHED':
    case 'CLOSE_WAIT':
      if (t.finSeq !== -1) {
        step.emit({ type: 'error', error: 'connection closing' });
        return step.result(state);
      }
      t.sendBuffer = concat(t.sendBuffer, event.data);
      transmit(step);
      return step.result(state);
    default:
      step.emit({ type: 'error', error: 'connection closing' });
      return step.result(state);
  }
}

function userReceive(state: TcpState, tcb: Tcb, event: Extract<TcpEvent, { type: 'RECEIVE' }>): StepResult {
  const step = new Step(tcb, event.now);
  const t = step.tcb;
  if (t.readable.length > 0) {
    const wasClosedWindow = receiveWindow(t) === 0;
    step.emit({ type: 'data', bytes: t.readable });
    t.readable = EMPTY;
    // Window update so a sender blocked on a zero window can go on (RFC 9293 §3.8.6.2.2).
    if (wasClosedWindow && state !== 'CLOSED' && state !== 'LISTEN') step.sendAck();
  }
  return step.result(state);
}

function userClose(state: TcpState, tcb: Tcb, event: Extract<TcpEvent, { type: 'CLOSE' }>): StepResult {
  const step = new Step(tcb, event.now);
  const t = step.tcb;
  switch (state) {
    case 'CLOSED':
      step.emit({ type: 'error', error: 'connection does not exist' });
      return step.result(state);
    case 'LISTEN':
    case 'SYN_SENT':
      // RFC 9293 §3.10.4: delete the TCB; pending SENDs get "closing".
      return step.close('normal');
    case 'SYN_RECEIVED':
      t.finSeq = dataEnd(t);
      // No data queued: send the FIN now and enter FIN_WAIT_1; otherwise wait for ESTABLISHED.
      if (t.sendBuffer.length === 0) {
        transmit(step);
        return step.result('FIN_WAIT_1');
      }
      return step.result(state);
    case 'ESTABLISHED':
      t.finSeq = dataEnd(t);
      transmit(step);
      return step.result('FIN_WAIT_1');
    case 'CLOSE_WAIT':
      t.finSeq = dataEnd(t);
      transmit(step);
      return step.result('LAST_ACK');
    default:
      step.emit({ type: 'error', error: 'connection closing' });
      return step.result(state);
  }
}

function userAbort(state: TcpState, tcb: Tcb, event: Extract<TcpEvent, { type: 'ABORT' }>): StepResult {
  const step = new Step(tcb, event.now);
  const t = step.tcb;
  switch (state) {
    case 'CLOSED':
      return step.result(state);
    case 'SYN_RECEIVED':
    case 'ESTABLISHED':
    case 'FIN_WAIT_1':
    case 'FIN_WAIT_2':
    case 'CLOSE_WAIT':
      // RFC 9293 §3.10.5: send <SEQ=SND.NXT><CTL=RST>.
      step.send(Flag.RST, t.sndNxt, 0);
      return step.close('aborted');
    default:
      return step.close('aborted');
  }
}

// ---------------------------------------------------------------------------
// Timeouts: RFC 9293 §3.10.8, RFC 6298 §5
// ---------------------------------------------------------------------------

function rtoTimeout(
  state: TcpState,
  tcb: Tcb,
  event: Extract<TcpEvent, { type: 'RTO_TIMEOUT' }>,
): StepResult {
  const step = new Step(tcb, event.now);
  const t = step.tcb;
  t.rtoArmed = false;
  if (seqGe(t.sndUna, t.sndMax) && !(t.sndWnd === 0 && seqLt(t.sndNxt, dataEnd(t)))) {
    // Nothing outstanding (a stale timer): nothing to do.
    return step.result(state);
  }
  t.retries++;
  // Our SYN,ACK is unacknowledged in SYN-RECEIVED, and still in FIN-WAIT-1 after a CLOSE there
  // (§3.10.4 sends the FIN at once): the earliest unacknowledged segment is then the SYN,ACK,
  // which is what gets retransmitted (RFC 6298 (5.4)) — never the FIN queued behind it.
  const synAckUnacked = state !== 'SYN_SENT' && seqLe(t.sndUna, t.iss);
  // An active opener's SYN,ACK (simultaneous open, RFC 9293 figure 7) is its SYN again, with the
  // retries it already spent in SYN-SENT: it keeps the SYN budget and schedule (§3.8.3 R2 "for
  // a SYN segment"; Linux tcp_write_timeout uses syn_retries in SYN_SENT and SYN_RECV alike).
  // Counting those retries against synackRetries timed out without a single SYN,ACK
  // retransmission (found by the network fuzzer).
  const synBudget = state === 'SYN_SENT' || (synAckUnacked && !t.passive);
  const limit = synBudget
    ? synRetransmissions(t.profile)
    : synAckUnacked
      ? t.profile.synackRetries
      : t.profile.dataRetries;
  if (t.retries > limit) {
    // RFC 9293 §3.8.3: R2 exceeded — close the connection and tell the user "timeout".
    t.retries--;
    return step.close('timeout');
  }
  // RFC 6298 (5.5) back off the timer; (5.6) restart it; Karn: no RTT sample from a retransmission.
  if (synBudget) t.rto = synTimeout(t.profile, t.retries);
  else if (synAckUnacked) t.rto = synackTimeout(t.profile, t.retries);
  else t.rto = Math.min(t.profile.rtoMax, t.rto * 2);
  t.rttSeq = -1;

  const probe = t.sndWnd === 0 && seqLt(t.sndUna, dataEnd(t));
  const kind: RetransmitKind =
    state === 'SYN_SENT'
      ? 'SYN'
      : synAckUnacked
        ? 'SYN-ACK'
        : probe
          ? 'probe'
          : seqDiff(dataEnd(t), t.sndUna) > 0
            ? 'data'
            : 'FIN';
  t.stats.retransmits[kind]++;
  // The timer's expiry is reported before the segment it causes, in the order things happen.
  step.emit({ type: 'retransmit', kind, count: t.retries, rto: t.rto });
  if (kind === 'SYN' || kind === 'SYN-ACK') {
    sendSyn(step, kind === 'SYN-ACK', kind);
  } else if (kind === 'probe') {
    // Zero-window probe (RFC 9293 §3.8.6.1, RFC 1122 4.2.2.17): the octet at SND.UNA, beyond the
    // window, backed off like an RTO — again and again while the window stays shut (a refused
    // probe is not acknowledged, so it stays the earliest unacknowledged octet). Only SND.MAX
    // covers it (so its ACK is acceptable); SND.NXT stays at SND.UNA, and sending resumes from
    // there, probe octet included, once the window opens.
    t.sndNxt = t.sndUna;
    const offset = seqDiff(t.sndUna, t.dataStart);
    const data = t.sendBuffer.subarray(offset, offset + 1).slice();
    step.send(Flag.ACK, t.sndUna, t.rcvNxt, data, 'probe');
    t.sndMax = seqMax(t.sndMax, seqAdd(t.sndUna, 1));
  } else {
    // Go back to the earliest unacknowledged segment (RFC 6298 (5.4)); later ones follow as ACKs arrive.
    t.sndNxt = t.sndUna;
    transmit(step, 1, kind);
  }
  step.startRto();
  return step.result(state);
}

function delayedAckTimeout(
  state: TcpState,
  tcb: Tcb,
  event: Extract<TcpEvent, { type: 'DELAYED_ACK_TIMEOUT' }>,
): StepResult {
  const step = new Step(tcb, event.now);
  if (step.tcb.ackPending && state !== 'CLOSED' && state !== 'LISTEN' && state !== 'SYN_SENT') {
    step.tcb.ackPending = false;
    step.sendAck();
  }
  step.tcb.ackPending = false;
  return step.result(state);
}

// ---------------------------------------------------------------------------
// SEGMENT ARRIVES: RFC 9293 §3.10.7
// ---------------------------------------------------------------------------

/**
 * RFC 9293 §3.10.7.1: a segment for a connection that does not exist.
 * Returns the RST to send, or undefined (an arriving RST is never answered).
 */
export function resetForClosed(segment: Segment, win = 0): Segment | undefined {
  if (segment.flags & Flag.RST) return undefined;
  const base = {
    srcAddr: segment.dstAddr,
    srcPort: segment.dstPort,
    dstAddr: segment.srcAddr,
    dstPort: segment.srcPort,
    win,
  };
  if (segment.flags & Flag.ACK) {
    // <SEQ=SEG.ACK><CTL=RST>
    return { ...base, seq: segment.ack, ack: 0, flags: Flag.RST };
  }
  // <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
  return { ...base, seq: 0, ack: seqAdd(segment.seq, segmentLength(segment)), flags: Flag.RST | Flag.ACK };
}

function segmentArrives(
  state: TcpState,
  tcb: Tcb,
  event: Extract<TcpEvent, { type: 'SEGMENT_ARRIVES' }>,
): StepResult {
  const step = new Step(tcb, event.now);
  const seg = event.segment;
  step.tcb.stats.segmentsReceived++;
  switch (state) {
    case 'CLOSED': {
      // §3.10.7.1: answer with a reset (the host does the same for unknown 4-tuples).
      const rst = resetForClosed(seg);
      if (rst) step.emit({ type: 'segment', segment: rst });
      return step.result(state);
    }
    case 'LISTEN':
      return inListen(step, seg);
    case 'SYN_SENT':
      return inSynSent(step, seg);
    default:
      return inSynchronized(step, state, seg);
  }
}

/**
 * LISTEN + an ACK carrying a valid SYN cookie (RFC 4987 §3.6): the handshake's state was never
 * kept, so rebuild it from the ACK and go straight to ESTABLISHED; then the ACK is processed like
 * any segment in ESTABLISHED (it may carry data or a FIN).
 */
function cookieAck(state: TcpState, tcb: Tcb, event: Extract<TcpEvent, { type: 'COOKIE_ACK' }>): StepResult {
  const step = new Step(tcb, event.now);
  const t = step.tcb;
  const seg = event.segment;
  if (state !== 'LISTEN') {
    step.emit({ type: 'error', error: 'connection already exists' });
    return step.result(state);
  }
  if (t.remote.port === 0) (t as { remote: SocketAddress }).remote = { addr: seg.srcAddr, port: seg.srcPort };
  t.stats.segmentsReceived++;
  t.irs = seqAdd(seg.seq, -1);
  t.rcvNxt = seg.seq;
  t.iss = seqAdd(seg.ack, -1);
  t.sndUna = seg.ack;
  t.sndNxt = seg.ack;
  t.sndMax = seg.ack;
  t.dataStart = seg.ack;
  t.sndWnd = seg.win;
  t.maxSndWnd = seg.win;
  t.sndWl1 = seg.seq;
  t.sndWl2 = seg.ack;
  t.sendMss = Math.min(event.mss, t.profile.mss);
  step.emit({ type: 'connected' });
  if (payloadLength(seg) === 0 && !(seg.flags & Flag.FIN)) return step.result('ESTABLISHED');
  return inSynchronized(step, 'ESTABLISHED', seg);
}

/** §3.10.7.2 LISTEN. */
function inListen(step: Step, seg: Segment): StepResult {
  const t = step.tcb;
  // First, check for a RST: an incoming RST should be ignored.
  if (seg.flags & Flag.RST) return step.result('LISTEN');
  // Second, check for an ACK: any acknowledgment is bad in LISTEN: <SEQ=SEG.ACK><CTL=RST>.
  if (seg.flags & Flag.ACK) {
    step.emit({ type: 'segment', segment: resetForClosed(seg)! });
    return step.result('LISTEN');
  }
  // Third, check for a SYN.
  if (seg.flags & Flag.SYN) {
    if (t.remote.port === 0)
      (t as { remote: SocketAddress }).remote = { addr: seg.srcAddr, port: seg.srcPort };
    t.rcvNxt = seqAdd(seg.seq, 1);
    t.irs = seg.seq;
    t.iss = chooseIss(t, step.now);
    t.sndUna = t.iss;
    t.sndNxt = seqAdd(t.iss, 1);
    t.sndMax = t.sndNxt;
    t.dataStart = t.sndNxt;
    t.sndWnd = seg.win;
    t.maxSndWnd = seg.win;
    t.sndWl1 = seg.seq;
    t.sndWl2 = 0;
    t.sendMss = Math.min(seg.mss ?? DEFAULT_MSS, t.profile.mss);
    t.rto = t.profile.rtoInitial;
    t.retries = 0;
    t.rttSeq = t.sndNxt;
    t.rttStart = step.now;
    // Data carried on the SYN is not accepted before the handshake completes;
    // it is simply not acknowledged, so the peer retransmits it (§3.10.7.2 "queued for later" is optional).
    sendSyn(step, true);
    // NOT TCP (profile.twoWayHandshake, a teaching model): trust the SYN alone, skip the third segment.
    if (t.profile.twoWayHandshake) {
      step.emit({ type: 'connected' });
      return step.result('ESTABLISHED');
    }
    return step.result('SYN_RECEIVED');
  }
  // Fourth, other text or control: drop.
  return step.result('LISTEN');
}

/** §3.10.7.3 SYN-SENT. */
function inSynSent(step: Step, seg: Segment): StepResult {
  const t = step.tcb;
  let ackAcceptable = false;
  // First, check the ACK bit.
  if (seg.flags & Flag.ACK) {
    // If SEG.ACK =< ISS or SEG.ACK > SND.NXT, send a reset (unless the RST bit is set) and discard.
    // This is what recovers from an old duplicate SYN (RFC 9293 figure 8).
    if (seqLe(seg.ack, t.iss) || seqGt(seg.ack, t.sndNxt)) {
      if (!(seg.flags & Flag.RST)) step.emit({ type: 'segment', segment: resetForClosed(seg)! });
      return step.result('SYN_SENT');
    }
    ackAcceptable = seqLt(t.sndUna, seg.ack) && seqLe(seg.ack, t.sndNxt);
  }
  // Second, check the RST bit: only a RST that acknowledges our SYN resets (RFC 5961 §3.2 for SYN-SENT).
  if (seg.flags & Flag.RST) {
    if (ackAcceptable) {
      step.emit({ type: 'error', error: 'connection reset' });
      return step.close('refused');
    }
    return step.result('SYN_SENT');
  }
  // Fourth, check the SYN bit.
  if (seg.flags & Flag.SYN) {
    t.rcvNxt = seqAdd(seg.seq, 1);
    t.irs = seg.seq;
    t.sendMss = Math.min(seg.mss ?? DEFAULT_MSS, t.profile.mss);
    if (ackAcceptable) {
      acceptAck(step, seg);
      t.sndWnd = seg.win;
      t.maxSndWnd = seg.win;
      t.sndWl1 = seg.seq;
      t.sndWl2 = seg.ack;
    }
    if (seqGt(t.sndUna, t.iss)) {
      // Our SYN has been acknowledged: ESTABLISHED, and the third segment of the handshake:
      // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> (data queued by SENDs may ride along).
      step.emit({ type: 'connected' });
      if (transmit(step) === 0) step.sendAck();
      return step.result(t.finSeq !== -1 ? 'FIN_WAIT_1' : 'ESTABLISHED');
    }
    // Simultaneous open (RFC 9293 figure 7): <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>, enter SYN-RECEIVED.
    t.sndWnd = seg.win;
    t.maxSndWnd = seg.win;
    t.sndWl1 = seg.seq;
    sendSyn(step, true);
    return step.result('SYN_RECEIVED');
  }
  // Fifth, neither SYN nor RST: drop.
  return step.result('SYN_SENT');
}

/** RFC 9293 §3.10.7.4 sequence acceptability test (the four cases). */
export function segmentAcceptable(tcb: Tcb, seg: Segment): boolean {
  const len = segmentLength(seg);
  const wnd = receiveWindow(tcb);
  const rcvNxt = tcb.rcvNxt;
  if (len === 0) {
    if (wnd === 0) return seg.seq === rcvNxt;
    return seqInRange(seg.seq, rcvNxt, seqAdd(rcvNxt, wnd));
  }
  if (wnd === 0) return false;
  const high = seqAdd(rcvNxt, wnd);
  return seqInRange(seg.seq, rcvNxt, high) || seqInRange(seqAdd(seg.seq, len - 1), rcvNxt, high);
}

/** Updates SND.UNA and everything that hangs off it (buffer, RTT, timer). Caller checked acceptability. */
function acceptAck(step: Step, seg: Segment): void {
  const t = step.tcb;
  const ack = seg.ack;
  if (!seqGt(ack, t.sndUna)) return;
  // RFC 6298 (2.2)/(2.3) with Karn's rule: only a segment never retransmitted yields a sample.
  if (t.rttSeq !== -1 && seqGe(ack, t.rttSeq)) {
    sampleRtt(t, step.now - t.rttStart);
    t.rttSeq = -1;
  }
  // RFC 6298 (5.7): when the timer expired awaiting the ACK of our SYN (or SYN,ACK), the handshake
  // yields no sample (Karn) and "the RTO MUST be re-initialized to 3 seconds when data transmission
  // begins" (Linux: TCP_TIMEOUT_FALLBACK) — not left at the backed-off SYN timeout.
  if (t.srtt < 0 && seqLe(t.sndUna, t.iss) && seqGt(ack, t.iss)) t.rto = RTO_FALLBACK;
  // Drop acknowledged bytes from the send buffer (the SYN and FIN occupy no buffer space).
  const ackedData = Math.min(t.sendBuffer.length, Math.max(0, seqDiff(ack, t.dataStart)));
  if (ackedData > 0) {
    t.sendBuffer = t.sendBuffer.subarray(ackedData);
    t.dataStart = seqAdd(t.dataStart, ackedData);
  }
  t.sndUna = ack;
  if (seqLt(t.sndNxt, ack)) t.sndNxt = ack;
  t.retries = 0;
  // RFC 6298 (5.2) all acknowledged: stop the timer; (5.3) new data acknowledged: restart it.
  if (seqGe(t.sndUna, t.sndMax)) step.stopRto();
  else step.startRto();
}

/** RFC 6298 §2 (or Linux's variant, which floors RTTVAR at rto_min). */
function sampleRtt(t: Tcb, r: number): void {
  if (t.srtt < 0) {
    t.srtt = r;
    t.rttvar = r / 2;
  } else {
    t.rttvar = 0.75 * t.rttvar + 0.25 * Math.abs(t.srtt - r);
    t.srtt = 0.875 * t.srtt + 0.125 * r;
  }
  const p = t.profile;
  const raw = p.rtoFormula === 'linux' ? t.srtt + Math.max(p.rtoMin, 4 * t.rttvar) : t.srtt + 4 * t.rttvar;
  t.rto = Math.ceil(Math.min(p.rtoMax, Math.max(p.rtoMin, raw)));
}

/** §3.10.7.4: SYN-RECEIVED and the synchronized states. */
function inSynchronized(step: Step, state: TcpState, seg: Segment): StepResult {
  const t = step.tcb;
  const isSyn = (seg.flags & Flag.SYN) !== 0;
  const isRst = (seg.flags & Flag.RST) !== 0;
  const isFin = (seg.flags & Flag.FIN) !== 0;

  // A duplicate of the SYN that created this half-open entry is answered at once with a
  // SYN-ACK (what Linux's tcp_check_req does; the RFC would only re-ACK).
  if (state === 'SYN_RECEIVED' && isSyn && !(seg.flags & Flag.ACK) && !isRst && seg.seq === t.irs) {
    sendSyn(step, true, 'SYN-ACK');
    t.stats.retransmits['SYN-ACK']++;
    return step.result(state);
  }

  // Simultaneous open (figure 7): in SYN-RECEIVED, the peer's SYN-ACK for our SYN acknowledges
  // us (Linux tcp_validate_incoming makes the same exception to the SYN check below).
  if (
    state === 'SYN_RECEIVED' &&
    isSyn &&
    !isRst &&
    seg.flags & Flag.ACK &&
    seg.seq === t.irs &&
    seg.ack === t.sndNxt &&
    !t.passive
  ) {
    acceptAck(step, seg);
    t.sndWnd = seg.win;
    t.maxSndWnd = Math.max(t.maxSndWnd, seg.win);
    t.sndWl1 = seg.seq;
    t.sndWl2 = seg.ack;
    step.emit({ type: 'connected' });
    transmit(step);
    // A CLOSE queued in SYN-RECEIVED: FIN-WAIT-1 whether or not the window let the FIN out yet
    // (RFC 9293 §3.10.4, see the fifth step below).
    return step.result(t.finSeq !== -1 ? 'FIN_WAIT_1' : 'ESTABLISHED');
  }

  // First, check the sequence number.
  if (!segmentAcceptable(t, seg)) {
    // TIME-WAIT: the only thing that can arrive is a retransmission of the remote FIN —
    // acknowledge it and restart the 2 MSL timeout (eighth step; Linux does the same).
    if (state === 'TIME_WAIT' && isFin && !isRst && seqAdd(seg.seq, segmentLength(seg)) === t.rcvNxt) {
      step.sendAck();
      step.reenter = true;
      return step.result('TIME_WAIT');
    }
    // If the RST bit is set, drop silently; otherwise send <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.
    if (!isRst) step.sendAck();
    return step.result(state);
  }

  // Second, check the RST bit (RFC 5961 §3.2: only an exact match resets; in-window → challenge ACK).
  if (isRst) {
    if (seg.seq !== t.rcvNxt) {
      step.sendAck();
      return step.result(state);
    }
    switch (state) {
      case 'SYN_RECEIVED':
        if (t.passive && t.returnToListen) return backToListen(step);
        if (t.passive) return step.close('reset');
        step.emit({ type: 'error', error: 'connection refused' });
        return step.close('refused');
      case 'ESTABLISHED':
      case 'FIN_WAIT_1':
      case 'FIN_WAIT_2':
      case 'CLOSE_WAIT':
        step.emit({ type: 'error', error: 'connection reset' });
        return step.close('reset');
      default:
        // CLOSING, LAST-ACK, TIME-WAIT: enter CLOSED.
        return step.close('reset');
    }
  }

  // Fourth, check the SYN bit.
  if (isSyn) {
    if (state === 'SYN_RECEIVED' && t.passive && t.returnToListen) return backToListen(step);
    // RFC 5961 §4.2: a SYN in a synchronized state gets a challenge ACK, whatever its sequence number.
    step.sendAck();
    return step.result(state);
  }

  // Fifth, check the ACK field: if off, drop.
  if (!(seg.flags & Flag.ACK)) return step.result(state);

  let current = state;
  if (state === 'SYN_RECEIVED') {
    // If SND.UNA < SEG.ACK =< SND.NXT, enter ESTABLISHED; otherwise <SEQ=SEG.ACK><CTL=RST>.
    if (!(seqLt(t.sndUna, seg.ack) && seqLe(seg.ack, t.sndMax))) {
      step.emit({ type: 'segment', segment: resetForClosed(seg)! });
      return step.result(state);
    }
    t.sndWnd = seg.win;
    t.maxSndWnd = Math.max(t.maxSndWnd, seg.win);
    t.sndWl1 = seg.seq;
    t.sndWl2 = seg.ack;
    current = 'ESTABLISHED';
    step.emit({ type: 'connected' });
    // A CLOSE queued in SYN-RECEIVED (data was pending, §3.10.4) is processed now, and CLOSE in
    // ESTABLISHED says "in any case, enter FIN-WAIT-1 state" — also while the window still holds
    // the FIN back (as from SYN-SENT above). Staying ESTABLISHED with a FIN pending made the ACK
    // that finally let it out an ESTABLISHED → FIN-WAIT-1 transition the statechart does not
    // have: the engine threw (found by the network fuzzer).
    if (t.finSeq !== -1) current = 'FIN_WAIT_1';
  }
  // The same segment carrying the peer's FIN would take us from SYN-RECEIVED to CLOSING, an edge
  // the statechart lacks: leave its text and FIN unacknowledged, the peer sends them again.
  const deferText = state === 'SYN_RECEIVED' && current === 'FIN_WAIT_1' && isFin;

  // RFC 5961 §5.2: acceptable ACKs lie in [SND.UNA − MAX.SND.WND, SND.MAX].
  if (seqGt(seg.ack, t.sndMax)) {
    // Acknowledges something not yet sent: send an ACK, drop the segment.
    step.sendAck();
    return step.result(current);
  }
  if (seqLt(seg.ack, seqAdd(t.sndUna, -Math.max(t.maxSndWnd, 1)))) {
    step.sendAck();
    return step.result(current);
  }
  if (seqGt(seg.ack, t.sndUna)) acceptAck(step, seg);
  // Window update only from a segment newer than the last one used (SND.WL1/SND.WL2), and only
  // "If SND.UNA =< SEG.ACK" (RFC 9293 §3.10.7.4): an old ACK that RFC 5961 lets through (below
  // SND.UNA) must not move the window — e.g. shut it with a stale or blind zero window.
  if (
    seqGe(seg.ack, t.sndUna) &&
    (seqLt(t.sndWl1, seg.seq) || (t.sndWl1 === seg.seq && seqLe(t.sndWl2, seg.ack)))
  ) {
    t.sndWnd = seg.win;
    t.sndWl1 = seg.seq;
    t.sndWl2 = seg.ack;
    t.maxSndWnd = Math.max(t.maxSndWnd, seg.win);
  }
  // RFC 1122 4.2.2.17 (RFC 9293 §3.8.6.1): a zero window may stay closed indefinitely; as long as
  // the peer acknowledges our probes the connection MUST stay open, so answered probes do not
  // count toward the retry limit (Linux likewise clears icsk_probes_out on every ACK).
  if (t.sndWnd === 0) t.retries = 0;

  switch (current) {
    case 'FIN_WAIT_1':
      // In addition, if our FIN is now acknowledged, enter FIN-WAIT-2 and continue.
      if (finAcked(t)) current = 'FIN_WAIT_2';
      break;
    case 'CLOSING':
      // If the ACK acknowledges our FIN, enter TIME-WAIT; otherwise ignore the segment.
      if (finAcked(t)) return timeWait(step);
      // "In addition to the processing for the ESTABLISHED state" (RFC 9293 §3.10.7.4): CLOSE
      // queues the FIN "until all preceding SENDs have been segmentized" (§3.10.4), so data and
      // the FIN may still wait for this ACK to open the window; with everything sent acknowledged
      // no timer runs, so unless they go now they never go (found by the network fuzzer).
      transmit(step);
      return step.result(current);
    case 'LAST_ACK':
      // The only thing that can arrive is an acknowledgment of our FIN: then delete the TCB.
      if (finAcked(t)) return step.close('normal');
      // Not yet: data and the FIN queued behind a full window go out as it opens (as in CLOSING).
      transmit(step);
      return step.result(current);
    case 'TIME_WAIT':
      return step.result(current);
    default:
      break;
  }

  // Seventh, process the segment text; eighth, the FIN — both only in order.
  const len = payloadLength(seg);
  if (
    (len > 0 || isFin) &&
    !deferText &&
    (current === 'ESTABLISHED' || current === 'FIN_WAIT_1' || current === 'FIN_WAIT_2')
  ) {
    const finNow = receiveText(step, seg);
    if (finNow) {
      step.emit({ type: 'peer-closed' });
      switch (current) {
        case 'ESTABLISHED':
          // The ACK of a FIN may be delayed: when the application closes at once, it rides on
          // our FIN and the close takes three segments (what Linux shows with nothing pending).
          current = 'CLOSE_WAIT';
          acknowledge(step, false);
          break;
        case 'FIN_WAIT_1':
          // Our FIN acknowledged too (by this segment or earlier): TIME-WAIT; else CLOSING.
          if (finAcked(t)) {
            step.sendAck();
            return timeWait(step);
          }
          current = 'CLOSING';
          // Queued data and our FIN may still wait for the window this segment opened (see CLOSING
          // below); they acknowledge the peer's FIN themselves, else a bare ACK does.
          if (transmit(step) === 0) step.sendAck();
          return step.result(current);
        case 'FIN_WAIT_2':
          step.sendAck();
          return timeWait(step);
        default:
          break;
      }
    }
  }

  // Anything the window now allows (new data, our FIN).
  transmit(step);
  if (t.finSeq !== -1 && current === 'SYN_RECEIVED') current = 'FIN_WAIT_1';
  if (current === 'ESTABLISHED' && t.finSeq !== -1 && finSent(t)) current = 'FIN_WAIT_1';
  return step.result(current);
}

function backToListen(step: Step): StepResult {
  const t = step.tcb;
  step.stopRto();
  t.sendBuffer = EMPTY;
  t.finSeq = -1;
  t.outOfOrder = [];
  t.readable = EMPTY;
  t.retries = 0;
  (t as { remote: SocketAddress }).remote = { addr: '0.0.0.0', port: 0 };
  return step.result('LISTEN');
}

function timeWait(step: Step): StepResult {
  step.stopRto();
  step.reenter = true;
  return step.result('TIME_WAIT');
}

/**
 * Seventh step: accepts in-order text, buffers out-of-order text (within the
 * window), and reports whether the FIN is now in order (eighth step). ACKs:
 * in-order text may be delayed; out-of-order text and FINs are acknowledged
 * at once by the caller or here.
 */
function receiveText(step: Step, seg: Segment): boolean {
  const t = step.tcb;
  let seq = seg.seq;
  let data = seg.data ?? EMPTY;
  const fin = (seg.flags & Flag.FIN) !== 0;
  const hadGap = t.outOfOrder.length > 0;
  // Trim what we already have (segment starting before RCV.NXT).
  const already = seqDiff(t.rcvNxt, seq);
  if (already > 0) {
    data = data.subarray(Math.min(already, data.length));
    seq = seqAdd(seq, already);
  }
  // Trim beyond the window.
  const room = seqDiff(seqAdd(t.rcvNxt, receiveWindow(t)), seq);
  let finInWindow = fin;
  if (data.length > room) {
    data = data.subarray(0, Math.max(0, room));
    finInWindow = false;
  }
  if (seq !== t.rcvNxt) {
    // Out of order: keep it for later, and send a duplicate ACK at once (RFC 9293 §3.10.7.4, RFC 5681 §4.2).
    if (data.length > 0 || finInWindow)
      t.outOfOrder = insertOutOfOrder(t.outOfOrder, { seq, data, fin: finInWindow });
    step.sendAck();
    return false;
  }
  let finReached = false;
  const deliverInOrder = (bytes: Uint8Array, withFin: boolean) => {
    if (bytes.length > 0) deliver(step, bytes);
    if (withFin) finReached = true;
  };
  deliverInOrder(data, finInWindow);
  // Pull whatever the gap just closed.
  while (!finReached && t.outOfOrder.length > 0) {
    const head = t.outOfOrder[0];
    const headEnd = seqAdd(head.seq, head.data.length);
    if (seqGt(head.seq, t.rcvNxt)) break;
    t.outOfOrder = t.outOfOrder.slice(1);
    if (seqLe(headEnd, t.rcvNxt) && !(head.fin && headEnd === t.rcvNxt)) continue;
    const skip = seqDiff(t.rcvNxt, head.seq);
    deliverInOrder(head.data.subarray(Math.max(0, skip)), head.fin);
  }
  if (finReached) {
    // FIN consumes one sequence number.
    t.rcvNxt = seqAdd(t.rcvNxt, 1);
    t.peerFinReceived = true;
    t.outOfOrder = [];
    return true;
  }
  // RFC 5681 §4.2: "a TCP receiver SHOULD send an immediate ACK when the incoming segment fills in
  // all or part of a gap" — also when it fills the whole gap (Linux: ICSK_ACK_NOW once the
  // out-of-order queue empties), so the sender learns at once that the hole is repaired.
  if (data.length > 0) acknowledge(step, hadGap);
  return false;
}

function deliver(step: Step, bytes: Uint8Array): void {
  const t = step.tcb;
  t.rcvNxt = seqAdd(t.rcvNxt, bytes.length);
  t.stats.bytesReceived += bytes.length;
  if (t.autoRead) step.emit({ type: 'data', bytes: bytes.slice() });
  else t.readable = concat(t.readable, bytes);
}

function insertOutOfOrder(list: OutOfOrder[], entry: OutOfOrder): OutOfOrder[] {
  const out = list.filter(
    (e) => !(e.seq === entry.seq && e.data.length <= entry.data.length && (!e.fin || entry.fin)),
  );
  if (out.some((e) => e.seq === entry.seq && e.data.length >= entry.data.length && (e.fin || !entry.fin))) {
    return out;
  }
  const copy = { seq: entry.seq, data: entry.data.slice(), fin: entry.fin };
  let i = out.length;
  while (i > 0 && seqGt(out[i - 1].seq, copy.seq)) i--;
  out.splice(i, 0, copy);
  return out;
}

/** Set only while `stepInPlace` runs: the Step works on the caller's TCB instead of a copy. */
let mutateInPlace = false;

/**
 * `step` for a caller that owns its TCB outright and keeps no older snapshot of it (the lean
 * table interpreter): the TCB is updated in place, saving a copy per event. Same rules, same
 * result; `result.tcb` is the very object passed in.
 */
export function stepInPlace(state: TcpState, tcb: Tcb, event: TcpEvent): StepResult {
  mutateInPlace = true;
  try {
    return step(state, tcb, event);
  } finally {
    mutateInPlace = false;
  }
}

/** The processing rules, dispatched on the event type. */
export function step(state: TcpState, tcb: Tcb, event: TcpEvent): StepResult {
  switch (event.type) {
    case 'OPEN_ACTIVE':
      return openActive(state, tcb, event);
    case 'OPEN_PASSIVE':
      return openPassive(state, tcb, event);
    case 'SEND':
      return userSend(state, tcb, event);
    case 'RECEIVE':
      return userReceive(state, tcb, event);
    case 'CLOSE':
      return userClose(state, tcb, event);
    case 'ABORT':
      return userAbort(state, tcb, event);
    case 'SEGMENT_ARRIVES':
      return segmentArrives(state, tcb, event);
    case 'RTO_TIMEOUT':
      return rtoTimeout(state, tcb, event);
    case 'DELAYED_ACK_TIMEOUT':
      return delayedAckTimeout(state, tcb, event);
    case 'COOKIE_ACK':
      return cookieAck(state, tcb, event);
  }
}
