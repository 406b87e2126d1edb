/**
 * Adversarial segments: forged and malformed segments injected into live connections in every
 * state — random flag combinations (SYN+FIN, RST+SYN, no flags at all, …), sequence and
 * acknowledgment numbers in, at the edge of and far outside the windows, RSTs and SYNs with
 * guessed numbers (RFC 5961), FIN before SYN, data on SYN. The endpoint must follow RFC 9293
 * §3.10.7 as hardened by RFC 5961, and never throw.
 *
 * The random part is a fast-check property checked against an oracle written from the RFC text
 * (not from tcb.ts): for every state and every kind of segment it says which states may follow,
 * which segments may be sent (a challenge ACK <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, a
 * <SEQ=SEG.ACK><CTL=RST>, nothing, …) and whether data may reach the application. Each injection
 * also runs the pure rules twice — copying (`step`) and in place (`stepInPlace`, the table
 * engine's) — which must agree. After the attack the network stays down and every timer runs
 * out: the connection must end CLOSED or in a state that legitimately waits without a timer.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSynchronized, SYNCHRONIZED_STATES, type TcpState } from '../src/machine/states.js';
import { getProfile } from '../src/profiles.js';
import { Flag, flagLabel, type Segment, segmentLength } from '../src/segment.js';
import { seqAdd, seqDiff, seqGt, seqInRange, seqLe, seqLt } from '../src/seq.js';
import { step } from '../src/tcb/process.js';
import { acceptableWindow } from '../src/tcb/receive-window.js';
import type { ConnectionOutput, Tcb } from '../src/tcb/tcb.js';
import { CLIENT, Pair, type PairOptions, SERVER, type Side } from './pair.js';

/** The synchronized states after the handshake (RFC 9293 §3.10.7.4 less SYN-RECEIVED, which has its own rules here). */
const SYNCHRONIZED: TcpState[] = SYNCHRONIZED_STATES.filter((s) => s !== 'SYN_RECEIVED');

/** States in which a connection may legitimately wait for ever without a timer. */
const TIMERLESS = new Set<TcpState>(['CLOSED', 'LISTEN', 'ESTABLISHED', 'CLOSE_WAIT', 'FIN_WAIT_2']);

// ---------------------------------------------------------------------------------------------
// Live connections in every state. After `reach`, the network drops everything: only the
// segments a test injects reach the target, and what the target sends is recorded (DROPPED).

interface Setup {
  target: Side;
  state: TcpState;
  options?: PairOptions;
  reach: (p: Pair) => void;
}

const up = (p: Pair) => {
  p.connect();
  p.advance(30);
};

const SETUPS: Record<string, Setup> = {
  CLOSED: { target: 'client', state: 'CLOSED', options: { noListen: true }, reach: () => {} },
  LISTEN: { target: 'server', state: 'LISTEN', reach: () => {} },
  SYN_SENT: {
    target: 'client',
    state: 'SYN_SENT',
    options: { noListen: true },
    reach: (p) => {
      p.drop = () => true;
      p.connect();
    },
  },
  SYN_RECEIVED: {
    target: 'server',
    state: 'SYN_RECEIVED',
    reach: (p) => {
      p.drop = (_s, from) => from === 'server';
      p.connect();
      p.advance(10);
    },
  },
  'SYN_RECEIVED (simultaneous open)': {
    target: 'client',
    state: 'SYN_RECEIVED',
    options: { noListen: true },
    reach: (p) => {
      // Both SYNs cross (RFC 9293 figure 7); the SYN,ACKs are lost.
      p.drop = (s) => (s.flags & Flag.ACK) !== 0;
      p.openActive('client');
      p.openActive('server');
      p.advance(10);
    },
  },
  ESTABLISHED: { target: 'client', state: 'ESTABLISHED', reach: up },
  'ESTABLISHED (data in flight)': {
    target: 'client',
    state: 'ESTABLISHED',
    reach: (p) => {
      up(p);
      p.drop = () => true;
      p.send('client', 3000);
    },
  },
  'ESTABLISHED (out-of-order data queued)': {
    target: 'client',
    state: 'ESTABLISHED',
    reach: (p) => {
      up(p);
      p.drop = () => true;
      const t = p.tcb('client');
      p.inject(
        'client',
        p.segmentFrom('server', { seq: t.rcvNxt + 100, ack: t.sndNxt, flags: Flag.ACK, data: bytes(50, 9) }),
      );
    },
  },
  FIN_WAIT_1: {
    target: 'client',
    state: 'FIN_WAIT_1',
    reach: (p) => {
      up(p);
      p.drop = () => true;
      p.close('client');
    },
  },
  'FIN_WAIT_1 (data and FIN queued behind the window)': {
    target: 'client',
    state: 'FIN_WAIT_1',
    reach: (p) => {
      up(p);
      p.drop = () => true;
      p.send('client', 70_000);
      p.close('client');
    },
  },
  FIN_WAIT_2: {
    target: 'client',
    state: 'FIN_WAIT_2',
    reach: (p) => {
      up(p);
      p.close('client');
      p.advance(20);
    },
  },
  CLOSE_WAIT: {
    target: 'client',
    state: 'CLOSE_WAIT',
    reach: (p) => {
      up(p);
      p.close('server');
      p.advance(10);
    },
  },
  CLOSING: {
    target: 'client',
    state: 'CLOSING',
    reach: (p) => {
      up(p);
      p.drop = (s) => s.flags === Flag.ACK;
      p.close('client');
      p.close('server');
      p.advance(10);
    },
  },
  LAST_ACK: {
    target: 'client',
    state: 'LAST_ACK',
    reach: (p) => {
      up(p);
      p.close('server');
      p.advance(10);
      p.drop = () => true;
      p.close('client');
    },
  },
  'LAST_ACK (data and FIN queued behind the window)': {
    target: 'client',
    state: 'LAST_ACK',
    reach: (p) => {
      up(p);
      p.close('server');
      p.advance(10);
      p.drop = () => true;
      p.send('client', 70_000);
      p.close('client');
    },
  },
  TIME_WAIT: {
    target: 'client',
    state: 'TIME_WAIT',
    reach: (p) => {
      up(p);
      p.close('client');
      p.advance(20);
      p.close('server');
      p.advance(10);
    },
  },
};

function bytes(n: number, seed = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (seed + 7 * i + 3) & 0xff;
  return out;
}

function live(name: string, isn: { clientIsn?: number; serverIsn?: number } = {}): Pair {
  const setup = SETUPS[name];
  const p = new Pair({ clientIsn: 1000, serverIsn: 5000, ...isn, ...setup.options });
  setup.reach(p);
  expect(p.state(setup.target), name).toBe(setup.state);
  p.drop = () => true;
  return p;
}

function peerOf(side: Side): Side {
  return side === 'client' ? 'server' : 'client';
}

// ---------------------------------------------------------------------------------------------
// The oracle (RFC 9293 §3.10.7, RFC 5961 §§3–5), independent of tcb.ts.

/** RFC 9293 §3.10.7.4: the four cases of the sequence-number acceptability test. */
function acceptable(rcvNxt: number, rcvWnd: number, seq: number, len: number): boolean {
  const end = seqAdd(rcvNxt, rcvWnd);
  if (len === 0) return rcvWnd === 0 ? seq === rcvNxt : seqInRange(seq, rcvNxt, end);
  if (rcvWnd === 0) return false;
  return seqInRange(seq, rcvNxt, end) || seqInRange(seqAdd(seq, len - 1), rcvNxt, end);
}

type Out =
  | { kind: 'none' }
  /** Exactly these segments (fields given must match; `seq: 'any'` for an ISS). */
  | { kind: 'exact'; segments: Array<{ flags: number; seq?: number | 'any'; ack?: number }> }
  /** Normal processing: any number of segments, none with RST. */
  | { kind: 'no-rst' };

interface Expectation {
  why: string;
  states: TcpState[];
  out: Out;
  /** Data may reach the application. */
  data: boolean;
}

const has = (g: Segment, flag: number) => (g.flags & flag) !== 0;

/** What RFC 9293/5961 allow when `g` arrives at a connection in `state` with TCB `t`. */
function expectation(state: TcpState, t: Tcb, g: Segment): Expectation {
  const none: Out = { kind: 'none' };
  const ack: Out = { kind: 'exact', segments: [{ flags: Flag.ACK, seq: t.sndNxt, ack: t.rcvNxt }] };
  const rstAtSegAck: Out = { kind: 'exact', segments: [{ flags: Flag.RST, seq: g.ack }] };
  const stay = (why: string, out: Out): Expectation => ({ why, states: [state], out, data: false });
  const len = segmentLength(g);

  if (state === 'CLOSED') {
    // §3.10.7.1: a RST is discarded; an ACK gets <SEQ=SEG.ACK><CTL=RST>; else <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
    if (has(g, Flag.RST)) return stay('CLOSED: RST discarded', none);
    if (has(g, Flag.ACK)) return stay('CLOSED: <SEQ=SEG.ACK><CTL=RST>', rstAtSegAck);
    return stay('CLOSED: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>', {
      kind: 'exact',
      segments: [{ flags: Flag.RST | Flag.ACK, seq: 0, ack: seqAdd(g.seq, len) }],
    });
  }

  if (state === 'LISTEN') {
    // §3.10.7.2: RST ignored; any ACK is bad (<SEQ=SEG.ACK><CTL=RST>); a SYN opens; anything else dropped.
    if (has(g, Flag.RST)) return stay('LISTEN: RST ignored', none);
    if (has(g, Flag.ACK)) return stay('LISTEN: an ACK gets <SEQ=SEG.ACK><CTL=RST>', rstAtSegAck);
    if (has(g, Flag.SYN)) {
      return {
        why: 'LISTEN: SYN → SYN-RECEIVED, <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> (data on the SYN not yet accepted)',
        states: ['SYN_RECEIVED'],
        out: { kind: 'exact', segments: [{ flags: Flag.SYN | Flag.ACK, seq: 'any', ack: seqAdd(g.seq, 1) }] },
        data: false,
      };
    }
    return stay('LISTEN: FIN or text before SYN is dropped', none);
  }

  if (state === 'SYN_SENT') {
    // §3.10.7.3.
    const ackOk = has(g, Flag.ACK) && seqGt(g.ack, t.iss) && seqLe(g.ack, t.sndNxt);
    if (has(g, Flag.ACK) && !ackOk) {
      return has(g, Flag.RST)
        ? stay('SYN-SENT: unacceptable ACK on a RST: dropped', none)
        : stay('SYN-SENT: unacceptable ACK → <SEQ=SEG.ACK><CTL=RST>', rstAtSegAck);
    }
    if (has(g, Flag.RST)) {
      return ackOk
        ? { why: 'SYN-SENT: RST acknowledging our SYN → CLOSED', states: ['CLOSED'], out: none, data: false }
        : stay('SYN-SENT: RST without ACK dropped', none);
    }
    if (has(g, Flag.SYN)) {
      if (ackOk) {
        return {
          why: 'SYN-SENT: SYN,ACK → ESTABLISHED, <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>',
          states: ['ESTABLISHED'],
          out: { kind: 'exact', segments: [{ flags: Flag.ACK, seq: t.sndNxt, ack: seqAdd(g.seq, 1) }] },
          data: false,
        };
      }
      return {
        why: 'SYN-SENT: SYN (simultaneous open) → SYN-RECEIVED, <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>',
        states: ['SYN_RECEIVED'],
        out: { kind: 'exact', segments: [{ flags: Flag.SYN | Flag.ACK, seq: t.iss, ack: seqAdd(g.seq, 1) }] },
        data: false,
      };
    }
    return stay('SYN-SENT: neither SYN nor RST: dropped', none);
  }

  const synAck: Out = {
    kind: 'exact',
    segments: [{ flags: Flag.SYN | Flag.ACK, seq: t.iss, ack: t.rcvNxt }],
  };
  if (state === 'SYN_RECEIVED') {
    if (has(g, Flag.SYN) && !has(g, Flag.ACK) && !has(g, Flag.RST) && g.seq === t.irs) {
      return stay('SYN-RECEIVED: a duplicate of the SYN → the SYN,ACK again', synAck);
    }
    if (
      !t.passive &&
      has(g, Flag.SYN) &&
      has(g, Flag.ACK) &&
      !has(g, Flag.RST) &&
      g.seq === t.irs &&
      g.ack === t.sndNxt
    ) {
      return {
        why: 'SYN-RECEIVED (simultaneous open): the SYN,ACK',
        states: ['ESTABLISHED'],
        out: { kind: 'no-rst' },
        data: false,
      };
    }
  }

  // §3.10.7.4, SYN-RECEIVED and the synchronized states. First: the sequence number.
  if (!acceptable(t.rcvNxt, acceptableWindow(t), g.seq, len)) {
    return has(g, Flag.RST)
      ? stay('unacceptable sequence number on a RST: dropped silently', none)
      : stay('unacceptable sequence number: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>', ack);
  }
  // Second: RST (RFC 5961 §3.2: only an exact match resets; in the window → challenge ACK).
  if (has(g, Flag.RST)) {
    if (g.seq !== t.rcvNxt) return stay('RFC 5961 §3.2: in-window RST, wrong SEQ → challenge ACK', ack);
    const to: TcpState = state === 'SYN_RECEIVED' && t.passive && t.returnToListen ? 'LISTEN' : 'CLOSED';
    return { why: 'RST with SEQ = RCV.NXT → reset', states: [to], out: none, data: false };
  }
  // Fourth: SYN (RFC 5961 §4.2: challenge ACK; a passive SYN-RECEIVED returns to LISTEN).
  if (has(g, Flag.SYN)) {
    if (state === 'SYN_RECEIVED' && t.passive && t.returnToListen) {
      return { why: 'SYN-RECEIVED (passive): SYN → LISTEN', states: ['LISTEN'], out: none, data: false };
    }
    return stay('RFC 5961 §4.2: SYN in a synchronized state → challenge ACK', ack);
  }
  // Fifth: the ACK field.
  if (!has(g, Flag.ACK)) return stay('no ACK bit: dropped', none);
  if (state === 'SYN_RECEIVED') {
    if (!(seqLt(t.sndUna, g.ack) && seqLe(g.ack, t.sndMax))) {
      return stay('SYN-RECEIVED: unacceptable ACK → <SEQ=SEG.ACK><CTL=RST>', rstAtSegAck);
    }
    return {
      why: 'SYN-RECEIVED: ACK of our SYN → ESTABLISHED (and on, with data and FIN)',
      states: ['ESTABLISHED', 'CLOSE_WAIT', 'FIN_WAIT_1'],
      out: { kind: 'no-rst' },
      data: true,
    };
  }
  // RFC 5961 §5.2: acceptable ACKs lie in [SND.UNA − MAX.SND.WND, SND.MAX].
  if (seqGt(g.ack, t.sndMax)) return stay('RFC 5961 §5.2: ACK of data never sent → ACK, drop', ack);
  if (seqLt(g.ack, seqAdd(t.sndUna, -Math.max(t.maxSndWnd, 1)))) {
    return stay('RFC 5961 §5.2: ACK older than SND.UNA − MAX.SND.WND → ACK, drop', ack);
  }
  const next: Record<string, TcpState[]> = {
    ESTABLISHED: ['ESTABLISHED', 'CLOSE_WAIT'],
    FIN_WAIT_1: ['FIN_WAIT_1', 'FIN_WAIT_2', 'CLOSING', 'TIME_WAIT'],
    FIN_WAIT_2: ['FIN_WAIT_2', 'TIME_WAIT'],
    CLOSE_WAIT: ['CLOSE_WAIT'],
    CLOSING: ['CLOSING', 'TIME_WAIT'],
    LAST_ACK: ['LAST_ACK', 'CLOSED'],
    TIME_WAIT: ['TIME_WAIT'],
  };
  return {
    why: `${state}: acceptable segment, normal processing`,
    states: next[state],
    out: { kind: 'no-rst' },
    data: state === 'ESTABLISHED' || state === 'FIN_WAIT_1' || state === 'FIN_WAIT_2',
  };
}

/** Our FIN has been acknowledged. */
function finAcked(t: Tcb): boolean {
  return t.finSeq !== undefined && seqGt(t.sndUna, t.finSeq);
}

/**
 * Injects `g` into the target and checks the result against the oracle; also runs the pure rules
 * copying and in place, which must agree. Returns a description of any violation.
 */
function injectAndCheck(p: Pair, side: Side, g: Segment): string | undefined {
  const before = p.actor(side).getSnapshot();
  const state = before.value as unknown as TcpState;
  const t = before.context;
  const e = expectation(state, t, g);
  const describe = () =>
    `${state} (SND.UNA=${t.sndUna} SND.NXT=${t.sndNxt} SND.MAX=${t.sndMax} RCV.NXT=${t.rcvNxt} ` +
    `RCV.WND=${acceptableWindow(t)} ISS=${t.iss} IRS=${t.irs}) ← [${flagLabel(g.flags)}] seq=${g.seq} ` +
    `ack=${g.ack} len=${g.data?.length ?? 0} win=${g.win}: expected ${e.why}`;

  // The table engine's in-place stepping must give what the copying rules give.
  const event = { type: 'SEGMENT_ARRIVES' as const, now: p.clock.now(), segment: g };
  const copied = step(state, t, event);
  const inPlace = step(state, structuredClone(t), event, true);
  if (
    inPlace.next !== copied.next ||
    JSON.stringify(plain(inPlace.out)) !== JSON.stringify(plain(copied.out))
  ) {
    return `${describe()}; in-place step disagrees with step (${inPlace.next} vs ${copied.next})`;
  }
  if (JSON.stringify(plain(inPlace.tcb)) !== JSON.stringify(plain(copied.tcb))) {
    return `${describe()}; in-place step left a different TCB than step`;
  }

  const mark = p.mark();
  const outputs = p.outputs[side].length;
  try {
    p.inject(side, g);
  } catch (err) {
    return `${describe()}; threw ${String(err)}`;
  }
  const after = p.actor(side).getSnapshot();
  if (after.status !== 'active') return `${describe()}; the actor is ${after.status}: ${String(after.error)}`;
  const next = after.value as unknown as TcpState;
  const t2 = after.context;
  const sent = p.wire
    .slice(mark)
    .filter((w) => w.from === side)
    .map((w) => w.segment);
  const emitted = p.outputs[side].slice(outputs);
  const delivered = emitted.filter(
    (o): o is Extract<ConnectionOutput, { type: 'data' }> => o.type === 'data',
  );
  const show = () =>
    sent.map((s) => `[${flagLabel(s.flags)}] seq=${s.seq} ack=${s.ack}`).join(', ') || 'nothing';

  if (!e.states.includes(next)) return `${describe()}; went to ${next}`;
  if (e.out.kind === 'none' && sent.length > 0) return `${describe()}; sent ${show()}`;
  if (e.out.kind === 'exact') {
    const ok =
      sent.length === e.out.segments.length &&
      e.out.segments.every(
        (want, i) =>
          sent[i].flags === want.flags &&
          (want.seq === undefined || want.seq === 'any' || sent[i].seq === want.seq >>> 0) &&
          (want.ack === undefined || sent[i].ack === want.ack >>> 0),
      );
    if (!ok) return `${describe()}; sent ${show()}`;
  }
  if (e.out.kind === 'no-rst' && sent.some((s) => s.flags & Flag.RST)) return `${describe()}; sent ${show()}`;
  if (has(g, Flag.RST) && sent.some((s) => s.flags & Flag.RST))
    return `${describe()}; answered a RST with a RST`;

  // Data: only when allowed, exactly the octets from RCV.NXT on, and RCV.NXT moves by what was
  // delivered (+ 1 for a FIN).
  const n = delivered.reduce((sum, d) => sum + d.bytes.length, 0);
  if (n > 0 && !e.data) return `${describe()}; delivered ${n} bytes`;
  if (n > 0 && has(g, Flag.ACK) && seqLe(g.seq, t.rcvNxt) && g.data) {
    const off = seqDiff(t.rcvNxt, g.seq);
    const first = delivered[0].bytes;
    const want = g.data.subarray(off, off + first.length);
    if (first.length === 0 || want.length !== first.length || want.some((b, i) => b !== first[i])) {
      return `${describe()}; delivered octets that are not the segment's from RCV.NXT on`;
    }
  }
  if (isSynchronized(state)) {
    const fin = t2.peerFinReceived && !t.peerFinReceived ? 1 : 0;
    if (next !== 'CLOSED' && next !== 'LISTEN' && seqDiff(t2.rcvNxt, t.rcvNxt) !== n + fin) {
      return `${describe()}; RCV.NXT moved by ${seqDiff(t2.rcvNxt, t.rcvNxt)} for ${n} bytes delivered`;
    }
  }
  // State changes that need a FIN or an ACK of ours.
  const peerFinNow = t2.peerFinReceived && !t.peerFinReceived;
  if (['CLOSE_WAIT', 'CLOSING'].includes(next) && next !== state && !peerFinNow) {
    return `${describe()}; entered ${next} without receiving a FIN`;
  }
  if (next === 'TIME_WAIT' && state !== 'TIME_WAIT' && !(finAcked(t2) && t2.peerFinReceived)) {
    return `${describe()}; entered TIME_WAIT without its FIN acknowledged and the peer's FIN received`;
  }
  const byAck = (from: TcpState, to: TcpState) => state === from && next === to && !has(g, Flag.RST);
  if (byAck('LAST_ACK', 'CLOSED') || byAck('FIN_WAIT_1', 'FIN_WAIT_2')) {
    if (!finAcked(t2)) return `${describe()}; left ${state} without its FIN acknowledged`;
  }
  // Every segment sent acknowledges what has been received, at the time it was sent.
  for (const s of sent) {
    if (!(s.flags & Flag.ACK) || s.flags & Flag.RST || state === 'LISTEN' || state === 'CLOSED') continue;
    if (state === 'SYN_SENT') continue;
    if (!(seqLe(t.rcvNxt, s.ack) && seqLe(s.ack, t2.rcvNxt)) && !(s.flags & Flag.SYN)) {
      return `${describe()}; sent ack=${s.ack} outside [${t.rcvNxt}, ${t2.rcvNxt}]`;
    }
  }
  return undefined;
}

/** A JSON-friendly copy (typed arrays as plain arrays) for comparisons. */
function plain(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v) => (v instanceof Uint8Array ? Array.from(v) : v === undefined ? null : v)),
  );
}

/** The network stays down; every timer runs out. The target must not be left waiting with a duty and no timer. */
function settleAndCheck(p: Pair, side: Side): string | undefined {
  p.drop = () => true;
  try {
    p.settle(1e9);
  } catch (err) {
    return `threw while timers ran: ${String(err)}`;
  }
  const snap = p.actor(side).getSnapshot();
  if (snap.status !== 'active') return `the actor is ${snap.status} after the timers ran`;
  if (p.clock.pending !== 0) return `${p.clock.pending} timers still pending after settling`;
  const state = snap.value as unknown as TcpState;
  if (!TIMERLESS.has(state)) {
    return `stuck in ${state} with no timer left (SND.UNA=${snap.context.sndUna} SND.MAX=${snap.context.sndMax} queued=${snap.context.sendBuffer.length} FIN at ${snap.context.finSeq})`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------

describe('malformed and forged segments in every state (RFC 9293 §3.10.7, RFC 5961)', () => {
  type Case = [string, (p: Pair, t: Tcb) => Partial<Segment> & { flags: number }];
  /** Segments built from the target's TCB; `from` is the target's peer. */
  const CASES: Case[] = [
    ['no flags at all', (_p, t) => ({ seq: t.rcvNxt, ack: t.sndNxt, flags: 0, data: bytes(10) })],
    ['SYN+FIN', (_p, t) => ({ seq: t.rcvNxt, ack: t.sndNxt, flags: Flag.SYN | Flag.FIN })],
    ['RST+SYN with SEQ = RCV.NXT', (_p, t) => ({ seq: t.rcvNxt, ack: t.sndNxt, flags: Flag.RST | Flag.SYN })],
    ['RST+SYN in the window, wrong SEQ', (_p, t) => ({ seq: t.rcvNxt + 9, flags: Flag.RST | Flag.SYN })],
    ['RST with SEQ = RCV.NXT', (_p, t) => ({ seq: t.rcvNxt, flags: Flag.RST })],
    ['RST in the window, wrong SEQ (RFC 5961 §3.2)', (_p, t) => ({ seq: t.rcvNxt + 1000, flags: Flag.RST })],
    [
      'RST beyond the window',
      (_p, t) => ({ seq: t.rcvNxt + 200_000, flags: Flag.RST | Flag.ACK, ack: t.sndNxt }),
    ],
    ['SYN with a guessed SEQ (RFC 5961 §4)', (_p, t) => ({ seq: t.rcvNxt + 77, flags: Flag.SYN, mss: 536 })],
    [
      'SYN,ACK with data',
      (_p, t) => ({ seq: t.irs, ack: t.sndNxt, flags: Flag.SYN | Flag.ACK, data: bytes(20) }),
    ],
    ['FIN before any SYN (no ACK)', (_p, t) => ({ seq: t.rcvNxt, flags: Flag.FIN })],
    [
      'data and FIN with SEQ before the window',
      (_p, t) => ({ seq: t.rcvNxt - 500, ack: t.sndNxt, flags: Flag.ACK | Flag.FIN, data: bytes(10) }),
    ],
    [
      'data beyond the window',
      (_p, t) => ({ seq: t.rcvNxt + 70_000, ack: t.sndNxt, flags: Flag.ACK, data: bytes(10) }),
    ],
    [
      'an ACK of data never sent (RFC 5961 §5.2)',
      (_p, t) => ({ seq: t.rcvNxt, ack: t.sndMax + 5000, flags: Flag.ACK, data: bytes(10) }),
    ],
    [
      'an ACK far older than SND.UNA − MAX.SND.WND',
      (_p, t) => ({ seq: t.rcvNxt, ack: t.sndUna - 200_000, flags: Flag.ACK, data: bytes(10) }),
    ],
    [
      'in-order data with an acceptable ACK',
      (_p, t) => ({ seq: t.rcvNxt, ack: t.sndUna, flags: Flag.ACK, data: bytes(30) }),
    ],
    [
      'in-order FIN acknowledging everything',
      (_p, t) => ({ seq: t.rcvNxt, ack: t.sndMax, flags: Flag.ACK | Flag.FIN }),
    ],
    ['every flag at once', (_p, t) => ({ seq: t.rcvNxt, ack: t.sndNxt, flags: 0x1f, data: bytes(5) })],
  ];

  for (const name of Object.keys(SETUPS)) {
    it.for(CASES)(`${name}: %s`, ([, build]) => {
      const p = live(name);
      const side = SETUPS[name].target;
      const t = p.tcb(side);
      const fields = build(p, t);
      const g = p.segmentFrom(peerOf(side), { ...fields, seq: fields.seq ?? t.rcvNxt });
      expect(injectAndCheck(p, side, g)).toBeUndefined();
      expect(settleAndCheck(p, side)).toBeUndefined();
    });
  }
});

describe('RFC 5961 blind attacks, spelled out', () => {
  it.each(SYNCHRONIZED)(
    '%s: guessed RST → challenge ACK; exact RST → CLOSED; SYN → challenge ACK',
    (state) => {
      const name = state;
      const p = live(name);
      const t = p.tcb('client');
      const challenge = `${p.clock.now()} client [ACK] seq=${t.sndNxt} ack=${t.rcvNxt} len=0 DROPPED`;
      let mark = p.mark();
      p.inject('client', p.segmentFrom('server', { seq: t.rcvNxt + 1, flags: Flag.RST }));
      p.inject('client', p.segmentFrom('server', { seq: t.rcvNxt + 3, flags: Flag.SYN }));
      expect(p.ladderSince(mark)).toEqual([challenge, challenge]);
      expect(p.state('client')).toBe(state);
      mark = p.mark();
      p.inject('client', p.segmentFrom('server', { seq: t.rcvNxt, flags: Flag.RST }));
      expect(p.state('client')).toBe('CLOSED');
      expect(p.ladderSince(mark)).toEqual([]);
    },
  );

  it('LISTEN: data on a SYN is neither delivered nor acknowledged (only the SYN is)', () => {
    const p = live('LISTEN');
    p.inject('server', p.segmentFrom('client', { seq: 700, flags: Flag.SYN, mss: 1460, data: bytes(100) }));
    expect(p.state('server')).toBe('SYN_RECEIVED');
    expect(p.tcb('server').rcvNxt).toBe(701);
    expect(p.outputsOf('server', 'data')).toEqual([]);
  });

  it('never throws on absurd field values (MSS 0, window 0, huge payload)', () => {
    for (const name of Object.keys(SETUPS)) {
      const p = live(name);
      const side = SETUPS[name].target;
      const t = p.tcb(side);
      for (const g of [
        p.segmentFrom(peerOf(side), { seq: t.rcvNxt, ack: t.sndNxt, flags: Flag.SYN, mss: 0, win: 0 }),
        p.segmentFrom(peerOf(side), {
          seq: t.rcvNxt,
          ack: t.sndNxt,
          flags: Flag.ACK,
          win: 0,
          data: bytes(200_000),
        }),
        p.segmentFrom(peerOf(side), { seq: 0xffff_ffff, ack: 0xffff_ffff, flags: 0x1f, win: 65_535 }),
      ]) {
        expect(injectAndCheck(p, side, g), name).toBeUndefined();
      }
      expect(settleAndCheck(p, side), name).toBeUndefined();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The random part

type Rel = { rel: 'rcvNxt' | 'irs' | 'abs'; d: number };
type AckRel = { rel: 'sndUna' | 'sndNxt' | 'sndMax' | 'iss' | 'abs'; d: number };

interface Forged {
  flags: number;
  seq: Rel;
  ack: AckRel;
  len: number;
  win: number;
  mss?: number;
}

const u32 = fc.integer({ min: 0, max: 0xffff_ffff });

const forged: fc.Arbitrary<Forged> = fc.record(
  {
    flags: fc.oneof(
      fc.integer({ min: 0, max: 0x1f }),
      fc.constantFrom(
        Flag.ACK,
        Flag.RST,
        Flag.SYN,
        Flag.ACK | Flag.FIN,
        Flag.RST | Flag.ACK,
        Flag.SYN | Flag.ACK,
      ),
    ),
    seq: fc.oneof(
      fc.constant<Rel>({ rel: 'rcvNxt', d: 0 }),
      fc.integer({ min: 1, max: 65_534 }).map((d): Rel => ({ rel: 'rcvNxt', d })),
      fc.integer({ min: -2000, max: -1 }).map((d): Rel => ({ rel: 'rcvNxt', d })),
      fc.integer({ min: 65_535, max: 300_000 }).map((d): Rel => ({ rel: 'rcvNxt', d })),
      fc.constant<Rel>({ rel: 'irs', d: 0 }),
      u32.map((d): Rel => ({ rel: 'abs', d })),
    ),
    ack: fc.oneof(
      fc.constantFrom<AckRel>(
        { rel: 'sndNxt', d: 0 },
        { rel: 'sndMax', d: 0 },
        { rel: 'sndUna', d: 0 },
        { rel: 'iss', d: 0 },
        { rel: 'iss', d: 1 },
      ),
      fc.integer({ min: 1, max: 70_000 }).map((d): AckRel => ({ rel: 'sndUna', d })),
      fc.integer({ min: 1, max: 70_000 }).map((d): AckRel => ({ rel: 'sndMax', d })),
      fc.integer({ min: -140_000, max: -1 }).map((d): AckRel => ({ rel: 'sndUna', d })),
      u32.map((d): AckRel => ({ rel: 'abs', d })),
    ),
    len: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1000, max: 3000 })),
    win: fc.oneof(fc.constant(65_535), fc.constant(0), fc.integer({ min: 0, max: 65_535 })),
    mss: fc.integer({ min: 0, max: 65_535 }),
  },
  { requiredKeys: ['flags', 'seq', 'ack', 'len', 'win'] },
);

function build(p: Pair, side: Side, f: Forged, n: number): Segment {
  const t = p.tcb(side);
  const seq = f.seq.rel === 'abs' ? f.seq.d : seqAdd(f.seq.rel === 'rcvNxt' ? t.rcvNxt : t.irs, f.seq.d);
  const base = { sndUna: t.sndUna, sndNxt: t.sndNxt, sndMax: t.sndMax, iss: t.iss };
  const ack = f.ack.rel === 'abs' ? f.ack.d : seqAdd(base[f.ack.rel], f.ack.d);
  return p.segmentFrom(peerOf(side), {
    seq,
    ack,
    flags: f.flags,
    win: f.win,
    ...(f.mss !== undefined ? { mss: f.mss } : {}),
    ...(f.len > 0 ? { data: bytes(f.len, n * 31) } : {}),
  });
}

const SEED = Number(process.env.SYNACK_FUZZ_SEED ?? 9293);

describe('random forged segments (fast-check): the RFC oracle holds in every state, nothing throws', () => {
  it('1200 attacks of 1–4 segments on live connections, ISNs anywhere (wrapping included)', () => {
    const isn = fc.oneof(u32, fc.integer({ min: 0xffff_f000, max: 0xffff_ffff }));
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(SETUPS)),
        isn,
        isn,
        fc.array(forged, { minLength: 1, maxLength: 4 }),
        (name, clientIsn, serverIsn, attack) => {
          const p = live(name, { clientIsn, serverIsn });
          const side = SETUPS[name].target;
          attack.forEach((f, n) => {
            const violation = injectAndCheck(p, side, build(p, side, f, n));
            if (violation) throw new Error(`segment ${n + 1}: ${violation}`);
          });
          const stuck = settleAndCheck(p, side);
          if (stuck) throw new Error(stuck);
        },
      ),
      { numRuns: 1200, seed: SEED },
    );
    // A hang guard, not a timing assertion: ~35 s on an idle 2-core machine, several times that when shared.
  }, 300_000);
});

// ---------------------------------------------------------------------------------------------
// Regressions found by the network fuzzer (packages/network/test/fuzz*.test.ts)

describe('regression: data and FIN queued behind a full window are sent once it opens', () => {
  it('LAST_ACK: the application closed with more than a window unsent; the rest and the FIN still go out', () => {
    // RFC 9293 §3.10.4: CLOSE in CLOSE-WAIT queues the FIN "until all preceding SENDs have been
    // segmentized"; the ACK that opens the window must send them. Before the fix the LAST_ACK
    // branch returned before sending, the ACK had stopped the RTO, and both sides hung for ever
    // (client FIN_WAIT_2, server LAST_ACK with 4465 bytes and its FIN unsent).
    const p = new Pair({ clientIsn: 1000, serverIsn: 5000 });
    p.connect();
    p.advance(30);
    p.close('client');
    p.advance(10); // the server is in CLOSE_WAIT
    p.send('server', 70_000);
    p.close('server');
    expect(p.state('server')).toBe('LAST_ACK');
    p.settle();
    expect(p.received.client).toHaveLength(70_000);
    expect(p.states.server.at(-1)).toBe('CLOSED');
    expect(p.tcb('server').closeReason).toBe('normal');
    expect(p.states.client.slice(-2)).toEqual(['TIME_WAIT', 'CLOSED']);
  });

  it('CLOSING: the peer’s FIN opens the window while our data and FIN wait; they still go out', () => {
    // FIN-WAIT-1 with data and the FIN queued behind a full window; the peer's bare ACKs are
    // lost, so its FIN — acknowledging everything we sent — is what opens the window. RFC 9293
    // §3.10.7.4 (CLOSING: "in addition to the processing for the ESTABLISHED state"): send what
    // the window allows. Before the fix nothing was sent and no timer ran: stuck in CLOSING.
    const p = new Pair({ clientIsn: 1000, serverIsn: 5000 });
    p.connect();
    p.advance(20); // the client is ESTABLISHED
    p.send('client', 70_000);
    p.close('client'); // 65535 bytes in flight, 4465 and the FIN queued
    p.drop = (s, from) => from === 'server' && s.flags === Flag.ACK;
    p.advance(10); // the server has everything in flight and closes
    p.close('server');
    p.advance(10); // its FIN,ACK arrives
    expect(p.state('client')).toBe('CLOSING');
    p.drop = () => false;
    p.settle();
    expect(p.received.server).toHaveLength(70_000);
    expect(p.state('client')).toBe('CLOSED');
    expect(p.state('server')).toBe('CLOSED');
    expect([p.tcb('client').closeReason, p.tcb('server').closeReason]).toEqual(['normal', 'normal']);
  });
});

describe('regression: simultaneous open (RFC 9293 figure 7) with a CLOSE queued in SYN-RECEIVED', () => {
  /** Both sides open actively; the client's SYN,ACK is what gets through last. */
  function crossing(options: PairOptions = {}): Pair {
    const p = new Pair({ clientIsn: 1000, serverIsn: 5000, noListen: true, ...options });
    p.openActive('client');
    p.openActive('server');
    return p;
  }

  it('a SEND after the CLOSE is refused ("connection closing"); the FIN still goes out after the data', () => {
    // §3.10.4 queues the CLOSE in SYN-RECEIVED while data is pending; §3.10.2 refuses SENDs once
    // closing. Before the fix the second SEND was queued behind the FIN's sequence number: the FIN
    // was never sent yet counted as acknowledged (FIN_WAIT_2), and the peer waited for ever.
    const p = crossing({ drop: (s) => (s.flags & (Flag.SYN | Flag.ACK)) === (Flag.SYN | Flag.ACK) });
    p.advance(10);
    expect(p.state('client')).toBe('SYN_RECEIVED');
    p.send('client', 1);
    p.close('client');
    p.send('client', 1, 1);
    expect(p.outputsOf('client', 'error')).toEqual([{ type: 'error', error: 'connection closing' }]);
    p.drop = () => false;
    p.settle();
    expect(p.received.server).toEqual([0]);
    expect([p.state('client'), p.state('server')]).toEqual(['FIN_WAIT_2', 'CLOSE_WAIT']);
    p.close('server');
    p.settle();
    expect([p.state('client'), p.state('server')]).toEqual(['CLOSED', 'CLOSED']);
    expect(p.tcb('client').closeReason).toBe('normal');
  });

  it('the SYN,ACK of an active opener keeps the SYN retry budget (no timeout before a single retransmission)', () => {
    // RFC 9293 §3.8.3 (R2 for a SYN) and Linux tcp_write_timeout: SYN-SENT and SYN-RECEIVED of an
    // active open share syn_retries. Before the fix the retries spent on the SYN counted against
    // synackRetries: here 1 SYN retransmission left 0 for the SYN,ACK, and it timed out at once.
    const profile = getProfile('rfc9293', { synRetries: 2, synackRetries: 1 });
    const p = new Pair({ clientIsn: 1000, serverIsn: 5000, noListen: true, profile });
    p.drop = (_s, from, n) => !(from === 'server' && n === 0);
    p.openActive('client'); // SYN at 0, again at 1 s (both lost)
    p.advance(1490);
    p.openActive('server'); // its SYN reaches the client at 1.5 s: SYN-RECEIVED
    p.advance(10);
    expect(p.state('client')).toBe('SYN_RECEIVED');
    p.settle();
    const retransmitted = p
      .sentBy('client')
      .filter((w) => w.retransmit)
      .map((w) => w.retransmit);
    expect(retransmitted).toEqual(['SYN', 'SYN-ACK']);
    expect(p.tcb('client').closeReason).toBe('timeout');
  });

  it('the queued CLOSE enters FIN-WAIT-1 with the handshake even while the window holds the FIN back', () => {
    // §3.10.4 CLOSE in ESTABLISHED: "in any case, enter FIN-WAIT-1 state". Before the fix the
    // connection stayed ESTABLISHED with its FIN pending, and the ACK that let the FIN out asked
    // the statechart for ESTABLISHED → FIN-WAIT-1 on a segment: the engine threw.
    const p = crossing({
      drop: (s, from) => from === 'server' && (s.flags & Flag.SYN) !== 0 && (s.flags & Flag.ACK) !== 0,
    });
    p.advance(10);
    p.send('client', 70_000);
    p.close('client');
    expect(p.state('client')).toBe('SYN_RECEIVED');
    p.drop = () => false;
    p.settle();
    expect(p.client.getSnapshot().status).toBe('active');
    expect(p.states.client).not.toContain('ESTABLISHED');
    expect(p.received.server).toHaveLength(70_000);
    p.close('server');
    p.settle();
    expect([p.state('client'), p.state('server')]).toEqual(['CLOSED', 'CLOSED']);
  });

  it('… and a FIN on the segment that completes the handshake waits for the peer to send it again', () => {
    // SYN-RECEIVED → CLOSING in one segment is not an edge of the statechart: the FIN is left
    // unacknowledged, the peer retransmits it, and it is processed in FIN-WAIT-1 (→ CLOSING).
    const p = crossing({
      drop: (s, from) => from === 'server' && (s.flags & Flag.SYN) !== 0 && (s.flags & Flag.ACK) !== 0,
    });
    p.advance(10); // the server received the client's SYN,ACK: ESTABLISHED
    p.send('client', 100);
    p.close('client'); // queued: the client is in SYN-RECEIVED with data pending
    p.close('server'); // the server's FIN,ACK is the first segment acknowledging the client's SYN
    p.drop = () => false;
    p.settle();
    expect(p.client.getSnapshot().status).toBe('active');
    expect(p.ladder()).toEqual([
      '0 client [SYN] seq=1000 ack=0 len=0',
      '0 server [SYN] seq=5000 ack=0 len=0',
      '10 server [SYN,ACK] seq=5000 ack=1001 len=0 DROPPED',
      '10 client [SYN,ACK] seq=1000 ack=5001 len=0',
      '10 server [ACK,FIN] seq=5001 ack=1001 len=0',
      '20 server [ACK] seq=5002 ack=1001 len=0',
      // SYN-RECEIVED → FIN-WAIT-1: data and FIN go out; the server's FIN is not acknowledged …
      '20 client [ACK,FIN,PSH] seq=1001 ack=5001 len=100',
      '30 server [ACK] seq=5002 ack=1102 len=0',
      // … so the server sends it again, and now it is (FIN-WAIT-2 → TIME-WAIT).
      '1030 server [ACK,FIN] seq=5001 ack=1102 len=0',
      '1040 client [ACK] seq=1102 ack=5002 len=0',
    ]);
    expect(p.states.client).toEqual([
      'CLOSED',
      'SYN_SENT',
      'SYN_RECEIVED',
      'FIN_WAIT_1',
      'FIN_WAIT_2',
      'TIME_WAIT',
      'CLOSED',
    ]);
    expect(p.received.server).toHaveLength(100);
    expect(p.states.server.slice(-3)).toEqual(['CLOSING', 'TIME_WAIT', 'CLOSED']);
  });
});

// Keep the harness constants referenced (the addresses every forged segment uses).
void CLIENT;
void SERVER;
