/** User calls: RFC 9293 §3.10.1 – §3.10.6 (OPEN, SEND, RECEIVE, CLOSE, ABORT). */
import type { TcpState } from '../machine/states.js';
import { Flag, type SocketAddress } from '../segment.js';
import { seqAdd } from '../seq.js';
import { chooseIss, sendSyn, transmit } from './output.js';
import { markPushes } from './push.js';
import { owedSecondSegmentAck, windowUpdateAfterRead } from './receive-window.js';
import { withRto } from './rtt.js';
import type { Step, StepResult } from './step.js';
import {
  concatBytes,
  createTcb,
  dataEnd,
  EMPTY_BYTES,
  receiveWindow,
  type Tcb,
  type TcpEvent,
} from './tcb.js';

type EventOf<T extends TcpEvent['type']> = Extract<TcpEvent, { type: T }>;

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
    isnPolicy: t.isnPolicy,
    returnToListen: t.returnToListen,
    autoRead: t.autoRead,
    synAckBudget: t.synAckBudget,
    socketOptions: { nodelay: t.nodelay, cork: t.cork },
  });
  const { stats, lastEventAt, state } = t;
  // Assigned in place, then the kept fields put back: no third TCB-sized object in between.
  Object.assign(t, fresh);
  t.stats = stats;
  t.lastEventAt = lastEventAt;
  t.state = state;
}

/** Picks the ISS and sends <SEQ=ISS><CTL=SYN> (§3.10.1). */
function startActiveOpen(step: Step): void {
  const t = step.tcb;
  t.iss = chooseIss(t, step.now);
  t.sndUna = t.iss;
  t.sndNxt = seqAdd(t.iss, 1);
  t.sndMax = t.sndNxt;
  t.dataStart = t.sndNxt;
  t.rtt = withRto(t.rtt, t.profile.rtoInitial);
  t.retries = 0;
  t.rttSeq = t.sndNxt;
  t.rttStart = step.now;
  sendSyn(step, false);
}

function setRemote(t: Tcb, remote: SocketAddress): void {
  (t as { remote: SocketAddress }).remote = remote;
}

export function openActive(step: Step, state: TcpState, event: EventOf<'OPEN_ACTIVE'>): StepResult {
  const t = step.tcb;
  if (state === 'LISTEN') {
    // RFC 9293 §3.10.1 LISTEN: "If the OPEN call is active and the foreign socket is specified,
    // then change the connection from passive to active, select an ISS. Send a SYN segment".
    const remote = event.remote ?? t.remote;
    if (remote.port === 0) {
      step.emit({ type: 'error', error: 'foreign socket unspecified' });
      return step.result(state);
    }
    setRemote(t, remote);
    t.passive = false;
    startActiveOpen(step);
    return step.result('SYN_SENT');
  }
  if (state !== 'CLOSED') {
    step.emit({ type: 'error', error: 'connection already exists' });
    return step.result(state);
  }
  newConnection(t);
  if (event.remote) setRemote(t, event.remote);
  t.opened = true;
  t.passive = false;
  startActiveOpen(step);
  return step.result('SYN_SENT');
}

export function openPassive(step: Step, state: TcpState): StepResult {
  if (state !== 'CLOSED') {
    step.emit({ type: 'error', error: 'connection already exists' });
    return step.result(state);
  }
  newConnection(step.tcb);
  step.tcb.opened = true;
  step.tcb.passive = true;
  return step.result('LISTEN');
}

/** RFC 9293 §3.10.2 SEND. */
export function userSend(step: Step, state: TcpState, event: EventOf<'SEND'>): StepResult {
  const t = step.tcb;
  switch (state) {
    case 'CLOSED':
      step.emit({ type: 'error', error: 'connection does not exist' });
      return step.result(state);
    case 'LISTEN':
      // SEND in LISTEN with a known foreign socket turns the passive open active.
      if (t.remote.port === 0) {
        step.emit({ type: 'error', error: 'foreign socket unspecified' });
        return step.result(state);
      }
      t.passive = false;
      startActiveOpen(step);
      t.sendBuffer = concatBytes(t.sendBuffer, event.data);
      return step.result('SYN_SENT');
    case 'SYN_SENT':
    case 'SYN_RECEIVED':
    case 'ESTABLISHED':
    case 'CLOSE_WAIT':
      // After a CLOSE (queued in SYN-RECEIVED until ESTABLISHED, §3.10.4) the FIN's place is
      // fixed: more data would land behind it, so the FIN could never be sent yet would count as
      // acknowledged. Once closing: "error: connection closing" (found by the network fuzzer:
      // FIN_WAIT_2 without a FIN ever sent, the peer ESTABLISHED for ever).
      if (t.finSeq !== undefined) {
        step.emit({ type: 'error', error: 'connection closing' });
        return step.result(state);
      }
      markPushes(t, dataEnd(t), event.data.length, event.more);
      t.sendBuffer = concatBytes(t.sendBuffer, event.data);
      // Before ESTABLISHED the data is queued for transmission after entering it. A MSG_MORE
      // write is corked for this transmit only (Linux tcp_push with TCP_NAGLE_CORK).
      if (state === 'ESTABLISHED' || state === 'CLOSE_WAIT') {
        t.moreWrite = event.more === true;
        transmit(step);
        t.moreWrite = false;
      }
      return step.result(state);
    default:
      step.emit({ type: 'error', error: 'connection closing' });
      return step.result(state);
  }
}

/**
 * RFC 9293 §3.10.3 RECEIVE (only meaningful with autoRead off): hands the application up to
 * `limit` bytes (all when absent), in order; the rest stays buffered.
 */
export function userReceive(step: Step, state: TcpState, limit?: number): StepResult {
  const t = step.tcb;
  const count = Math.min(t.readable.length, Math.max(0, limit ?? t.readable.length));
  if (count > 0) {
    const freeBefore = receiveWindow(t);
    step.emit({ type: 'data', bytes: t.readable.subarray(0, count) });
    t.readable = count === t.readable.length ? EMPTY_BYTES : t.readable.slice(count);
    // Window update when the window opens enough to be worth it (receive-window.ts): a sender
    // blocked on a small or zero window can go on (RFC 9293 §3.8.6.2.2).
    const open = state !== 'CLOSED' && state !== 'LISTEN';
    if (open && (windowUpdateAfterRead(t, freeBefore) || owedSecondSegmentAck(t))) step.sendAck();
  }
  return step.result(state);
}

/**
 * Linux tcp_close decides before any FIN: received data the application never read
 * (profile.closeUnreadReset, RFC 2525 §2.17), or SO_LINGER with a zero timeout, turns close() into
 * an abort (tcp_send_active_reset / tcp_disconnect). Both apply to close(), not to a half-close.
 */
function closeAborts(t: Tcb, event: EventOf<'CLOSE'>): boolean {
  if (!event.orphan) return false;
  if (event.lingerZero) return true;
  return t.profile.closeUnreadReset && t.readable.length + (event.unread ?? 0) > 0;
}

/** RFC 9293 §3.10.4 CLOSE. */
export function userClose(step: Step, state: TcpState, event: EventOf<'CLOSE'>): StepResult {
  const t = step.tcb;
  if (state !== 'CLOSED' && closeAborts(t, event)) return userAbort(step, state);
  switch (state) {
    case 'CLOSED':
      step.emit({ type: 'error', error: 'connection does not exist' });
      return step.result(state);
    case 'LISTEN':
    case 'SYN_SENT':
      // "Delete the TCB and return 'error: closing' responses to any queued SENDs" (§3.10.4):
      // queued data never leaves, and the application is told how much (Linux has no such data:
      // a write before the connection is established blocks, or fails with EAGAIN).
      if (t.sendBuffer.length > 0) {
        step.emit({ type: 'error', error: 'connection closing', discarded: t.sendBuffer.length });
        t.sendBuffer = EMPTY_BYTES;
      }
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

/** RFC 9293 §3.10.5 ABORT. */
export function userAbort(step: Step, state: TcpState): StepResult {
  switch (state) {
    case 'CLOSED':
      return step.result(state);
    case 'SYN_RECEIVED':
    case 'ESTABLISHED':
    case 'FIN_WAIT_1':
    case 'FIN_WAIT_2':
    case 'CLOSE_WAIT':
      // Send <SEQ=SND.NXT><CTL=RST>. Linux (tcp_send_active_reset, from tcp_close with unread data
      // or SO_LINGER 0, and tcp_abort) sets ACK too, acknowledging RCV.NXT: kernel-checked by
      // conformance/close-linger-zero-rst.pkt and close-unread-data-rst.pkt.
      // A half-open entry (Linux's request sock) is never aborted that way: it is reset in reply to
      // the segment (tcp_check_req → tcp_v4_send_reset: a bare RST with SEQ = SEG.ACK = SND.NXT).
      if (step.tcb.profile.name === 'linux' && state !== 'SYN_RECEIVED')
        step.send(Flag.RST | Flag.ACK, step.tcb.sndNxt, step.tcb.rcvNxt);
      else step.send(Flag.RST, step.tcb.sndNxt, 0);
      return step.close('aborted');
    default:
      return step.close('aborted');
  }
}
