/**
 * The observer behind `synack replay`: a captured connection's segments, in capture order,
 * drive one RFC 9293 §3.3.2 state machine per endpoint (what it sends moves it, what it
 * receives moves it), and each segment is checked against what that endpoint's state allows
 * at that moment (rules.ts). The capture point may sit before a loss (tshark on lo sees a
 * segment nftables then drops in prerouting): when an endpoint next sends something only
 * legal had it NOT received a segment, that segment is marked lost after the capture point
 * and the endpoint's state is rolled back — that is how a lost final ACK looks.
 */
import { SYNCHRONIZED_STATES } from '@synack/core';
import type { CapturedSegment } from './capture.js';
import { checkSegment, type Divergence, flagRule, type RuleLimits } from './rules.js';

/** Core's synchronized states less SYN_RECEIVED: the states in which both ISNs are known to the observer. */
const SYNCHRONIZED: ReadonlySet<string> = new Set(
  SYNCHRONIZED_STATES.filter((state) => state !== 'SYN_RECEIVED'),
);
export const isSynchronized = (state: string) => SYNCHRONIZED.has(state);

/** What the observer knows of one endpoint (sequence numbers absolute, mod 2^32). */
export interface Side {
  id: string;
  state: string;
  iss?: number;
  /** Next sequence number it has not sent yet. */
  sndNxt?: number;
  /** Sequence number of its FIN, once sent. */
  finSeq?: number;
  /** Its window scale (RFC 7323 §2.2), once both SYNs carried one. */
  wscale: number;
  offeredWscale?: number;
  /** Right edge of the window it last advertised (absolute), if known. */
  windowRight?: number;
  /** When each sequence number it sent was last (re)transmitted, for the RTO rules. */
  sentAt: Map<number, { t: number; count: number; flags: string }>;
  dupAcks: number;
  lastAck?: number;
  /** The state before the last segment it received moved it, to undo a loss after capture. */
  undo?: { state: string; segment: number };
  /** Capture time of the last SYN it received that was a copy of an earlier one. */
  synCopyReceivedAt?: number;
}

export interface ObservedSegment extends CapturedSegment {
  index: number;
  from: string;
  to: string;
  /** Sender's state once it sent this segment, receiver's once it received it. */
  senderState: string;
  receiverState: string;
  divergence?: Divergence;
  retransmit?: boolean;
  /** The receiver's later behaviour shows it never got this segment. */
  lostAfterCapture?: boolean;
}

export interface StateChange {
  t: number;
  endpoint: string;
  from: string;
  to: string;
  /** The segment that caused it. */
  segment: number;
}

export interface ObservedConnection {
  key: string;
  client: string;
  server: string;
  segments: ObservedSegment[];
  states: StateChange[];
}

export const seqLt = (a: number, b: number) => ((a - b) | 0) < 0;
export const seqLe = (a: number, b: number) => ((a - b) | 0) <= 0;
const add = (a: number, b: number) => (a + b) >>> 0;
const has = (seg: CapturedSegment, flag: string) => seg.flags.includes(flag);
/** Sequence space a segment takes: SYN and FIN count one each (RFC 9293 §3.4). */
export const seqSpace = (seg: CapturedSegment) =>
  seg.len + (has(seg, 'SYN') ? 1 : 0) + (has(seg, 'FIN') ? 1 : 0);

function newSide(id: string, state: string): Side {
  return { id, state, wscale: 0, sentAt: new Map(), dupAcks: 0 };
}

/** Replays one connection's segments (all of one 4-tuple, in capture order). */
export function observeConnection(
  key: string,
  segments: CapturedSegment[],
  limits: RuleLimits,
): ObservedConnection {
  const first = segments[0];
  const a = `${first.src}:${first.srcPort}`;
  const b = `${first.dst}:${first.dstPort}`;
  // A capture that starts mid-connection: both ends are taken as already synchronized.
  const opening = has(first, 'SYN') && !has(first, 'ACK');
  const sides = new Map<string, Side>([
    [a, newSide(a, opening ? 'CLOSED' : 'ESTABLISHED')],
    [b, newSide(b, opening ? 'LISTEN' : 'ESTABLISHED')],
  ]);
  const out: ObservedConnection = { key, client: a, server: b, segments: [], states: [] };
  const setState = (side: Side, to: string, t: number, segment: number, merge = true) => {
    if (side.state === to) return;
    const last = merge ? out.states.at(-1) : undefined;
    // One segment, one transition per endpoint (an ACK+FIN takes FIN_WAIT_1 to TIME_WAIT), as the
    // trace records it.
    if (last && last.segment === segment && last.endpoint === side.id) last.to = to;
    else out.states.push({ t, endpoint: side.id, from: side.state, to, segment });
    side.state = to;
  };
  for (const [i, seg] of segments.entries()) {
    const from = `${seg.src}:${seg.srcPort}`;
    const to = `${seg.dst}:${seg.dstPort}`;
    const sender = sides.get(from) as Side;
    const receiver = sides.get(to) as Side;
    if (isSimultaneousOpen(sender, seg)) {
      // RFC 9293 §3.5 figure 8: it was opening too; it received the peer's SYN in SYN_SENT.
      out.states = out.states.filter((c) => c.endpoint !== sender.id);
      sender.state = 'CLOSED';
      sender.undo = undefined;
      afterSend(sender, seg, (s) => setState(sender, s, seg.t, i));
      setState(sender, 'SYN_RECEIVED', seg.t, i, false);
      afterReceive(receiver, sender, seg, (s) => setState(receiver, s, seg.t, i));
      out.segments.push(observed(seg, i, sender, receiver));
      continue;
    }
    // Sent before the sender had received its last segment (its ACK does not cover it): the
    // two crossed on the wire, as in a simultaneous close (RFC 9293 §3.6 figure 13).
    const crossed = crossedInFlight(sender, seg, out.segments);
    if (crossed) {
      out.states = out.states.filter((c) => !(c.segment === crossed.index && c.endpoint === sender.id));
      sender.state = sender.undo?.state ?? sender.state;
      sender.undo = undefined;
    }
    let divergence = checkSegment(sender, receiver, seg, limits);
    if (divergence && sender.undo && lostAfterCapture(sender, seg)) {
      // Legal only had the sender not received its last segment: that one was lost after the
      // capture point, and the state change it seemed to cause never happened.
      const { state, segment } = sender.undo;
      out.segments[segment].lostAfterCapture = true;
      out.states = out.states.filter((c) => !(c.segment === segment && c.endpoint === sender.id));
      sender.state = state;
      divergence = checkSegment(sender, receiver, seg, limits);
    }
    sender.undo = undefined;
    const retransmit = isRetransmit(sender, seg);
    afterSend(sender, seg, (s) => setState(sender, s, seg.t, i));
    if (crossed) afterReceive(sender, receiver, crossed, (s) => setState(sender, s, seg.t, i, false));
    if (retransmit && has(seg, 'SYN')) forgetUnansweredSyns(out, sender, receiver, seg);
    const before = receiver.state;
    afterReceive(receiver, sender, seg, (s) => setState(receiver, s, seg.t, i));
    receiver.undo = receiver.state !== before ? { state: before, segment: i } : undefined;
    out.segments.push({
      ...observed(seg, i, sender, receiver),
      ...(divergence ? { divergence } : {}),
      ...(retransmit ? { retransmit } : {}),
    });
  }
  return out;
}

function observed(seg: CapturedSegment, index: number, sender: Side, receiver: Side): ObservedSegment {
  return {
    ...seg,
    index,
    from: sender.id,
    to: receiver.id,
    senderState: sender.state,
    receiverState: receiver.state,
  };
}

/**
 * A SYN copy. When the listener the observer moved to SYN_RECEIVED has sent nothing since, the
 * earlier copies never reached it: a listener answers every SYN it takes in at once (SYN-ACK,
 * RFC 9293 §3.10.7.2; Linux tcp_conn_request), and the capture would show that answer. They
 * were lost after the capture point; the listener goes back to LISTEN and this copy moves it.
 */
function forgetUnansweredSyns(out: ObservedConnection, sender: Side, receiver: Side, seg: CapturedSegment) {
  receiver.synCopyReceivedAt = seg.t;
  if (has(seg, 'ACK') || receiver.state !== 'SYN_RECEIVED' || receiver.iss !== undefined) return;
  const earlier = new Set<number>();
  for (const s of out.segments) {
    if (s.from !== sender.id || !has(s, 'SYN') || has(s, 'ACK') || s.seq !== seg.seq) continue;
    earlier.add(s.index);
    s.lostAfterCapture = true;
    s.receiverState = 'LISTEN';
  }
  out.states = out.states.filter((c) => !(c.endpoint === receiver.id && earlier.has(c.segment)));
  receiver.state = 'LISTEN';
}

/** The segment the sender last received, if this segment's ACK shows it had not arrived yet. */
function crossedInFlight(
  sender: Side,
  seg: CapturedSegment,
  seen: ObservedSegment[],
): ObservedSegment | undefined {
  const last = sender.undo ? seen[sender.undo.segment] : undefined;
  if (!last) return undefined;
  // RFC 9293 §3.5 figure 7: in a simultaneous open the two SYN-ACKs cross. Each repeats its
  // SYN's number, which the peer had already acknowledged, so the ACK test below cannot tell.
  const synAck = (s: CapturedSegment) => has(s, 'SYN') && has(s, 'ACK');
  if (synAck(seg) && synAck(last) && sender.undo?.state === 'SYN_RECEIVED') return last;
  if (!has(seg, 'ACK') || has(seg, 'SYN') || seqSpace(last) === 0) return undefined;
  return seqLt(seg.ack, add(last.seq, seqSpace(last))) ? last : undefined;
}

/** A bare SYN from the side the observer took for the listener, before it sent anything. */
function isSimultaneousOpen(sender: Side, seg: CapturedSegment): boolean {
  return sender.state === 'SYN_RECEIVED' && sender.iss === undefined && has(seg, 'SYN') && !has(seg, 'ACK');
}

/** Whether the sender's flags would be legal in the state before its last reception. */
function lostAfterCapture(sender: Side, seg: CapturedSegment): boolean {
  const now = sender.state;
  sender.state = sender.undo?.state ?? now;
  const allowed = flagRule(sender, seg) === undefined;
  sender.state = now;
  return allowed;
}

/** Sequence space it already sent (from its ISS): a SYN with a new ISS is a new incarnation. */
export function isRetransmit(sender: Side, seg: CapturedSegment): boolean {
  if (sender.sndNxt === undefined || sender.iss === undefined || seqSpace(seg) === 0) return false;
  return seqLe(sender.iss, seg.seq) && seqLt(seg.seq, sender.sndNxt);
}

/** RFC 9293 §3.3.2: the transitions an endpoint makes by sending. */
function afterSend(side: Side, seg: CapturedSegment, setState: (s: string) => void): void {
  const space = seqSpace(seg);
  if (has(seg, 'SYN')) {
    side.iss = seg.seq;
    side.offeredWscale = seg.wscale;
    if (side.state === 'CLOSED') setState('SYN_SENT');
  }
  if (space > 0) {
    const prev = side.sentAt.get(seg.seq);
    side.sentAt.set(seg.seq, { t: seg.t, count: (prev?.count ?? 0) + 1, flags: seg.flags.join(',') });
  }
  const end = add(seg.seq, space);
  if (side.sndNxt === undefined || seqLt(side.sndNxt, end)) side.sndNxt = end;
  if (seg.win !== undefined && has(seg, 'ACK'))
    side.windowRight = add(seg.ack, seg.win * 2 ** (has(seg, 'SYN') ? 0 : side.wscale));
  if (has(seg, 'FIN')) {
    side.finSeq = add(seg.seq, seg.len);
    if (side.state === 'ESTABLISHED' || side.state === 'SYN_RECEIVED') setState('FIN_WAIT_1');
    else if (side.state === 'CLOSE_WAIT') setState('LAST_ACK');
  }
  if (has(seg, 'RST')) setState('CLOSED');
}

/** RFC 9293 §3.10.7: the transitions an endpoint makes by receiving (ACK first, then FIN). */
function afterReceive(side: Side, peer: Side, seg: CapturedSegment, setState: (s: string) => void): void {
  if (has(seg, 'RST')) {
    if (side.state !== 'LISTEN' && side.state !== 'CLOSED') setState('CLOSED');
    return;
  }
  if (has(seg, 'SYN')) {
    // RFC 7323 §2.2: scaling is on only when both SYNs carried the option.
    if (side.offeredWscale !== undefined && seg.wscale !== undefined) {
      side.wscale = side.offeredWscale;
      peer.wscale = seg.wscale;
    }
    if (side.state === 'LISTEN') setState('SYN_RECEIVED');
    else if (side.state === 'SYN_SENT' && has(seg, 'ACK') && side.sndNxt === seg.ack) setState('ESTABLISHED');
    else if (side.state === 'SYN_SENT' && !has(seg, 'ACK')) setState('SYN_RECEIVED');
  }
  trackDupAcks(peer, seg);
  if (has(seg, 'ACK') && side.sndNxt !== undefined && seqLe(side.sndNxt, seg.ack)) {
    // Everything it sent is acknowledged: its SYN, and its FIN if it sent one.
    if (side.state === 'SYN_RECEIVED') setState('ESTABLISHED');
    if (side.finSeq !== undefined) {
      if (side.state === 'FIN_WAIT_1') setState('FIN_WAIT_2');
      else if (side.state === 'CLOSING') setState('TIME_WAIT');
      else if (side.state === 'LAST_ACK') setState('CLOSED');
    }
  }
  if (has(seg, 'FIN')) {
    if (side.state === 'ESTABLISHED' || side.state === 'SYN_RECEIVED') setState('CLOSE_WAIT');
    else if (side.state === 'FIN_WAIT_1') setState('CLOSING');
    else if (side.state === 'FIN_WAIT_2') setState('TIME_WAIT');
  }
}

/** RFC 5681 §2 duplicate ACKs, counted on the endpoint sending them (3 allow a fast retransmit). */
function trackDupAcks(acker: Side, seg: CapturedSegment): void {
  if (!has(seg, 'ACK')) return;
  if (acker.lastAck === seg.ack && seg.len === 0 && !has(seg, 'SYN') && !has(seg, 'FIN')) acker.dupAcks++;
  else acker.dupAcks = 0;
  acker.lastAck = seg.ack;
}
