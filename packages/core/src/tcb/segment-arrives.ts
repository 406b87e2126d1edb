/**
 * SEGMENT ARRIVES, RFC 9293 §3.10.7: CLOSED (§3.10.7.1), LISTEN (§3.10.7.2)
 * and SYN-SENT (§3.10.7.3) here; SYN-RECEIVED and the synchronized states
 * (§3.10.7.4) in synchronized.ts. Also the SYN-cookie ACK (RFC 4987 §3.6).
 */
import type { TcpState } from '../machine/states.js';
import { MAX_WINDOW_SHIFT, negotiateOptions, optionSpace, peerWindow } from '../options.js';
import { Flag, payloadLength, type Segment, type SocketAddress, segmentLength } from '../segment.js';
import { seqAdd, seqDiff, seqGe, seqGt, seqInRange, seqLe, seqLt } from '../seq.js';
import { chooseIss, sendSyn, transmit } from './output.js';
import { acceptableWindow, noteSynWindow } from './receive-window.js';
import { sampleRtt, withRto } from './rtt.js';
import type { Step, StepResult } from './step.js';
import { inSynchronized } from './synchronized.js';
import { DEFAULT_MSS, type RestoredCookieOptions, type Tcb, type TcpEvent } from './tcb.js';
import { timestampRtt } from './timestamps.js';

/** RFC 6298 (5.7): RTO for the data phase when the handshake gave no RTT sample (Linux TCP_TIMEOUT_FALLBACK). */
const RTO_FALLBACK = 3000;

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

/** Emits the RST `resetForClosed` builds for a segment that is known not to be a RST. */
export function sendResetFor(step: Step, seg: Segment): void {
  const rst = resetForClosed(seg);
  if (rst) step.emit({ type: 'segment', segment: rst });
}

export function segmentArrives(step: Step, state: TcpState, seg: Segment): StepResult {
  step.tcb.stats.segmentsReceived++;
  switch (state) {
    case 'CLOSED':
      // §3.10.7.1: answer with a reset (the host does the same for unknown 4-tuples).
      sendResetFor(step, seg);
      return step.result(state);
    case 'LISTEN':
      return inListen(step, seg);
    case 'SYN_SENT':
      return inSynSent(step, seg);
    default:
      return inSynchronized(step, state, seg);
  }
}

function setRemoteFrom(t: Tcb, seg: Segment): void {
  if (t.remote.port === 0) (t as { remote: SocketAddress }).remote = { addr: seg.srcAddr, port: seg.srcPort };
}

/**
 * LISTEN + an ACK carrying a valid SYN cookie (RFC 4987 §3.6): the handshake's state was never
 * kept, so rebuild it from the ACK and go straight to ESTABLISHED; then the ACK is processed like
 * any segment in ESTABLISHED (it may carry data or a FIN).
 */
export function cookieAck(
  step: Step,
  state: TcpState,
  event: Extract<TcpEvent, { type: 'COOKIE_ACK' }>,
): StepResult {
  const t = step.tcb;
  const seg = event.segment;
  if (state !== 'LISTEN') {
    step.emit({ type: 'error', error: 'connection already exists' });
    return step.result(state);
  }
  setRemoteFrom(t, seg);
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
  if (event.restored) restoreCookieOptions(t, seg, event.mss, event.restored);
  step.emit({ type: 'connected' });
  if (payloadLength(seg) === 0 && !(seg.flags & Flag.FIN)) return step.result('ESTABLISHED');
  return inSynchronized(step, 'ESTABLISHED', seg);
}

/**
 * The Linux layout (cookie_v4_check → tcp_create_openreq_child): the options the cookie kept are in
 * effect; the ACK's window is scaled by the restored shift; the send MSS is the cookie's table MSS
 * less the timestamps (1300 → 1288); the first window is rounded down to a multiple of the cookie's
 * MSS (tcp_select_initial_window with req->mss: 65535 → 65000 for 1300).
 */
function restoreCookieOptions(
  t: Tcb,
  seg: Segment,
  cookieMss: number,
  restored: RestoredCookieOptions,
): void {
  t.tsOk = restored.timestamps && seg.ts !== undefined;
  if (t.tsOk && seg.ts) t.tsRecent = seg.ts.val;
  t.sackOk = restored.sackOk;
  t.wsOk = restored.wscale !== undefined;
  t.rcvWscale = t.wsOk ? Math.min(t.profile.windowScale, MAX_WINDOW_SHIFT) : 0;
  t.sndWscale = t.wsOk ? Math.min(restored.wscale ?? 0, MAX_WINDOW_SHIFT) : 0;
  t.sndWnd = peerWindow(t, seg);
  t.maxSndWnd = t.sndWnd;
  t.sendMss = Math.min(cookieMss, t.profile.mss) - optionSpace(t);
  const free = Math.max(0, Math.min(0xffff, t.profile.receiveBuffer - t.readable.length));
  const rounded = t.profile.roundInitialWindow && free > cookieMss ? free - (free % cookieMss) : free;
  if (t.profile.roundInitialWindow) t.rcvWndCap = rounded;
  noteSynWindow(t, rounded, true);
}

/** §3.10.7.2 LISTEN. */
function inListen(step: Step, seg: Segment): StepResult {
  // First, check for a RST: an incoming RST should be ignored.
  if (seg.flags & Flag.RST) return step.result('LISTEN');
  // Second, check for an ACK: any acknowledgment is bad in LISTEN: <SEQ=SEG.ACK><CTL=RST>.
  if (seg.flags & Flag.ACK) {
    sendResetFor(step, seg);
    return step.result('LISTEN');
  }
  // Third, check for a SYN.
  if (seg.flags & Flag.SYN) return synInListen(step, seg);
  // Fourth, other text or control: drop.
  return step.result('LISTEN');
}

/** §3.10.7.2 third check: a SYN in LISTEN selects an ISS and answers <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>. */
function synInListen(step: Step, seg: Segment): StepResult {
  const t = step.tcb;
  setRemoteFrom(t, seg);
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
  negotiateOptions(t, seg);
  // Linux tcp_current_mss: the MSS less the option bytes every data segment carries (1448 with TS).
  t.sendMss = Math.min(seg.mss ?? DEFAULT_MSS, t.profile.mss) - optionSpace(t);
  t.rtt = withRto(t.rtt, t.profile.rtoInitial);
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

/** §3.10.7.3 SYN-SENT. */
function inSynSent(step: Step, seg: Segment): StepResult {
  const t = step.tcb;
  let ackAcceptable = false;
  // First, check the ACK bit.
  if (seg.flags & Flag.ACK) {
    // If SEG.ACK =< ISS or SEG.ACK > SND.NXT, send a reset (unless the RST bit is set) and discard.
    // This is what recovers from an old duplicate SYN (RFC 9293 figure 8).
    if (seqLe(seg.ack, t.iss) || seqGt(seg.ack, t.sndNxt)) {
      sendResetFor(step, seg);
      rearmSynAfterInvalidAck(step);
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
  if (seg.flags & Flag.SYN) return synInSynSent(step, seg, ackAcceptable);
  // Fifth, neither SYN nor RST: drop.
  return step.result('SYN_SENT');
}

/**
 * Linux tcp_rcv_synsent_state_process, on an unacceptable ACK (a RST+ACK too): "Previous FIN/ACK or
 * RST/ACK might be ignored" — before any retransmission the SYN timer is re-armed to
 * TCP_TIMEOUT_MIN, so our SYN goes again almost at once (profile.synSentInvalidAckRearm ms;
 * conformance/synsent-bad-ack-gets-rst.pkt, synsent-rst-bad-ack-ignored.pkt). The SYN schedule
 * after that retransmission is unchanged (the timeout recomputes it from the retry count).
 */
function rearmSynAfterInvalidAck(step: Step): void {
  const t = step.tcb;
  const delay = t.profile.synSentInvalidAckRearm;
  if (delay <= 0 || t.retries !== 0) return;
  t.rtt = withRto(t.rtt, delay);
  step.startRto();
}

/** §3.10.7.3 fourth check: the peer's SYN (with or without an ACK of ours). */
function synInSynSent(step: Step, seg: Segment, ackAcceptable: boolean): StepResult {
  const t = step.tcb;
  t.rcvNxt = seqAdd(seg.seq, 1);
  t.irs = seg.seq;
  negotiateOptions(t, seg);
  t.sendMss = Math.min(seg.mss ?? DEFAULT_MSS, t.profile.mss) - optionSpace(t);
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
    return step.result(t.finSeq !== undefined ? 'FIN_WAIT_1' : 'ESTABLISHED');
  }
  // Simultaneous open (RFC 9293 figure 7): <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>, enter SYN-RECEIVED.
  t.sndWnd = seg.win;
  t.maxSndWnd = seg.win;
  t.sndWl1 = seg.seq;
  sendSyn(step, true);
  return step.result('SYN_RECEIVED');
}

/** RFC 9293 §3.10.7.4 sequence acceptability test (the four cases). */
export function segmentAcceptable(tcb: Tcb, seg: Segment): boolean {
  const len = segmentLength(seg);
  const wnd = acceptableWindow(tcb);
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
export function acceptAck(step: Step, seg: Segment): void {
  const t = step.tcb;
  const ack = seg.ack;
  if (!seqGt(ack, t.sndUna)) return;
  // RFC 6298 (2.2)/(2.3) with Karn's rule: only a segment never retransmitted yields a sample.
  if (t.rttSeq !== undefined && seqGe(ack, t.rttSeq)) {
    t.rtt = sampleRtt(t.rtt, step.now - t.rttStart, t.profile);
    t.rttSeq = undefined;
  } else {
    // RFC 7323 §4.1: with timestamps the echoed TSval times this ACK even when Karn's rule
    // leaves no timed segment (Linux tcp_ack_update_rtt falls back to the TSecr sample).
    const tsRtt = timestampRtt(t, seg, step.now);
    if (tsRtt !== undefined) t.rtt = sampleRtt(t.rtt, tsRtt, t.profile);
  }
  // RFC 6298 (5.7): when the timer expired awaiting the ACK of our SYN (or SYN,ACK), the handshake
  // yields no sample (Karn) and "the RTO MUST be re-initialized to 3 seconds when data transmission
  // begins" (Linux: TCP_TIMEOUT_FALLBACK) — not left at the backed-off SYN timeout.
  if (t.rtt.srtt === undefined && seqLe(t.sndUna, t.iss) && seqGt(ack, t.iss))
    t.rtt = withRto(t.rtt, RTO_FALLBACK);
  // Drop acknowledged bytes from the send buffer (the SYN and FIN occupy no buffer space).
  const ackedData = Math.min(t.sendBuffer.length, Math.max(0, seqDiff(ack, t.dataStart)));
  if (ackedData > 0) {
    t.sendBuffer = t.sendBuffer.subarray(ackedData);
    t.dataStart = seqAdd(t.dataStart, ackedData);
  }
  t.sndUna = ack;
  if (seqLt(t.sndNxt, ack)) t.sndNxt = ack;
  t.retries = 0;
  t.retransStamp = undefined;
  // RFC 6298 (5.2) all acknowledged: stop the timer; (5.3) new data acknowledged: restart it.
  if (seqGe(t.sndUna, t.sndMax)) step.stopRto();
  else step.startRto();
}
