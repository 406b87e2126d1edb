/**
 * Every narrated claim holds in the trace it narrates (issue 21 item 3, done-when): over every
 * built-in scenario and lossy runs with several seeds, each line `--explain` would print is
 * checked against the event it is attached to — the segment kind it names (SYN, SYN-ACK, data,
 * FIN, RST, a pure ACK), whether that segment is a retransmission, was lost, reordered or
 * duplicated, the state change it describes, the timer that fired and its count, the instants and
 * durations it states (RTO, TIME_WAIT), and the counts (bytes acknowledged, SYNs sent).
 *
 * The trace is the one `synack run … --format jsonl` writes; the narration is made from it by the
 * same function `--explain` uses (src/explain/narrate.ts), in strict mode. A catalogue key
 * without a rule here fails the test, so a new kind of claim cannot slip through unchecked.
 */
import { getProfile } from '@synack/core';
import { describe, expect, it } from 'vitest';
import { type Narration, narrate } from '../src/explain/index.js';
import { type Output, runScenario } from '../src/run.js';
import { WHY_QUESTIONS } from '../src/why.js';
import { describeResult, pool, SCENARIO_NAMES, synack } from './helpers.js';

interface Seg {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: string[];
  len: number;
}
/** A JSONL trace line, read field by field by the rules below. */
type Event = Record<string, any> & { kind: string; t: number; endpoint: string };

const mod32 = (n: number) => ((n % 2 ** 32) + 2 ** 32) % 2 ** 32;
/** How narrate.ts writes a duration (unit.ms / unit.s of the en catalogue). */
const duration = (ms: number) => (ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(3))} s`);

/** The facts of one run that claims are checked against. */
class Facts {
  readonly lost = new Set<number>();
  readonly sentAt = new Map<number, Event>();
  /** endpoint|conn → ISN of the peer (ack − 1 of the connection's first ACK-bearing segment). */
  private readonly irs = new Map<string, number>();
  readonly irsAt = new Map<number, number>();
  readonly cookieSynAcks: number;

  constructor(
    readonly trace: Event[],
    /** The run's profile (its SYN cookie layout is what a cookie narration describes). */
    readonly profile = 'linux',
  ) {
    for (const e of trace) {
      if (e.kind === 'drop' && e.id !== 0) this.lost.add(e.id);
      if (e.kind !== 'send') continue;
      this.sentAt.set(e.id, e);
      const key = `${e.from}|${e.conn}`;
      if (e.conn && e.seg.flags.includes('SYN') && !e.seg.flags.includes('ACK')) this.irs.delete(key);
      if (e.conn && e.seg.flags.includes('ACK') && !this.irs.has(key))
        this.irs.set(key, mod32(e.seg.ack - 1));
      if (this.irs.has(key)) this.irsAt.set(e.id, this.irs.get(key) as number);
    }
    this.cookieSynAcks = trace.filter(
      (e) => e.kind === 'send' && !e.conn && e.seg.flags.includes('SYN') && e.seg.flags.includes('ACK'),
    ).length;
  }

  /** Sends of one endpoint|conn before index `i`. */
  sendsBefore(i: number, e: Event): Event[] {
    return this.trace
      .slice(0, i)
      .filter((c) => c.kind === 'send' && c.from === (e.from ?? e.endpoint) && c.conn === e.conn);
  }
}

type Rule = (e: Event, n: Narration, f: Facts) => string | undefined;
const flags = (e: Event): string[] => (e.seg as Seg | undefined)?.flags ?? [];
const has = (e: Event, flag: string) => flags(e).includes(flag);
const fail = (ok: boolean, why: string) => (ok ? undefined : why);

const segment =
  (kind: 'SYN' | 'SYN-ACK' | 'data' | 'FIN' | 'RST' | 'ACK', extra?: Rule): Rule =>
  (e, n, f) => {
    if (e.kind !== 'send') return `a ${kind} claim on a ${e.kind} event`;
    const ok = {
      SYN: has(e, 'SYN') && !has(e, 'ACK'),
      'SYN-ACK': has(e, 'SYN') && has(e, 'ACK'),
      data: e.seg.len > 0 && !has(e, 'SYN') && !has(e, 'RST'),
      FIN: has(e, 'FIN'),
      RST: has(e, 'RST'),
      ACK: has(e, 'ACK') && !has(e, 'SYN') && !has(e, 'FIN') && !has(e, 'RST'),
    }[kind];
    return ok ? extra?.(e, n, f) : `says ${kind} of a ${flags(e).join(',')} len=${e.seg.len} segment`;
  };
const retransmitted: Rule = (e) => fail(e.retransmit === true, 'says retransmitted, the trace does not');
const notRetransmitted: Rule = (e) => fail(!e.retransmit, 'a retransmission narrated as a first send');
const stateChange =
  (from: string | undefined, to: string): Rule =>
  (e) =>
    fail(
      e.kind === 'state' && e.to === to && (from === undefined || e.from === from),
      `says ${from ?? '*'} → ${to} of ${e.kind} ${e.from ?? ''} → ${e.to ?? ''}`,
    );
const event =
  (kind: string): Rule =>
  (e) =>
    fail(e.kind === kind, `a ${kind} claim on a ${e.kind} event`);
const noClaim: Rule = () => undefined;

/** Half-open entries (passive connections in SYN_RECEIVED) of `endpoint` after event `i`, and its backlog. */
function halfOpenAt(i: number, endpoint: string, f: Facts): { n: number; backlog: number } {
  const entries = new Set<string>();
  let backlog = Number.NaN;
  for (const c of f.trace.slice(0, i + 1)) {
    if (c.endpoint !== endpoint) continue;
    if (c.kind === 'app' && c.event === 'listen') backlog = Number(c.backlog);
    if (c.kind !== 'state' || c.role === 'listener') continue;
    if (c.from === 'LISTEN' && c.to === 'SYN_RECEIVED') entries.add(c.conn);
    else if (c.from === 'SYN_RECEIVED') entries.delete(c.conn);
  }
  return { n: entries.size, backlog };
}
const queueClaim =
  (i: number): Rule =>
  (e, n, f) => {
    const q = halfOpenAt(i, e.kind === 'send' ? e.from : e.endpoint, f);
    return fail(
      Number(n.params.n) === q.n && Number(n.params.backlog) === q.backlog,
      `says ${n.params.n}/${n.params.backlog} half-open, the trace has ${q.n}/${q.backlog}`,
    );
  };
/** A half-open entry's lifetime: from its first SYN-ACK to its expiry, with one wait per SYN-ACK. */
const lifetimeClaim =
  (i: number): Rule =>
  (e, n, f) => {
    const synAcks = f.sendsBefore(i, e).filter((c) => has(c, 'SYN') && has(c, 'ACK'));
    if (synAcks.length === 0) return 'a half-open lifetime for a connection that sent no SYN-ACK';
    const waits = String(n.params.waits).split(' + ');
    return (
      fail(n.params.total === duration(e.t - synAcks[0].t), `says it lived ${n.params.total}`) ??
      fail(Number(n.params.retries) === synAcks.length - 1, `says ${n.params.retries} retransmissions`) ??
      fail(waits.length === synAcks.length, `lists ${waits.length} waits for ${synAcks.length} SYN-ACKs`)
    );
  };

/**
 * The blind third segment of isn-spoofing: the guess it carries is the attacker's (app isn-guess),
 * the ISN it is compared with is the one the server put in its SYN-ACK to the spoofed address, and
 * "exact" / "off by" says what the server then did: completed the handshake, or answered with RST.
 */
const forgery =
  (i: number, hit: boolean): Rule =>
  (e, n, f) => {
    const guess = f.trace
      .slice(0, i)
      .filter((c) => c.kind === 'app' && c.endpoint === e.from && c.event === 'isn-guess')
      .pop();
    if (!guess) return 'a forged third segment with no ISN guess before it';
    const [addr, port] = String(guess.spoofed).split(':');
    const toSpoofed = (c: Event) => c.kind === 'send' && c.to === addr && c.seg.dstPort === Number(port);
    const synAck = f.trace.find((c) => toSpoofed(c) && has(c, 'SYN') && has(c, 'ACK'));
    if (!synAck) return 'no SYN-ACK to the spoofed address';
    const actual = synAck.seg.seq as number;
    const later = f.trace.slice(i);
    const accepted = later.some(
      (c) =>
        c.kind === 'state' && c.conn === synAck.conn && c.from === 'SYN_RECEIVED' && c.to === 'ESTABLISHED',
    );
    const reset = later.some((c) => toSpoofed(c) && has(c, 'RST'));
    return (
      fail(Number(n.params.actual) === actual, `says the ISN was ${n.params.actual}, it was ${actual}`) ??
      fail(
        Number(n.params.guess) === guess.guess,
        `says the guess was ${n.params.guess}, it was ${guess.guess}`,
      ) ??
      fail(e.seg.ack === mod32(guess.guess + 1), 'the ACK does not carry the guess + 1') ??
      fail(
        (mod32(e.seg.ack - 1) === actual) === hit,
        hit ? 'says exact, the guess missed' : 'says missed, it hit',
      ) ??
      fail(
        hit ? accepted && !reset : reset && !accepted,
        hit ? 'the server did not accept it' : 'no RST, or accepted',
      )
    );
  };

/** The previous send of the segment a retransmission timer resends (the send right after it). */
function timerFacts(i: number, e: Event, f: Facts): { previous?: Event; retx?: Event } {
  const retx = f.trace
    .slice(i + 1)
    .find((c) => c.kind === 'send' && c.from === e.endpoint && c.conn === e.conn);
  if (!retx) return {};
  const previous = f
    .sendsBefore(i, retx)
    .reverse()
    .find(
      (c) =>
        c.seg.seq === retx.seg.seq &&
        has(c, 'SYN') === has(retx, 'SYN') &&
        has(c, 'FIN') === has(retx, 'FIN'),
    );
  return { previous, retx };
}

const timer =
  (check?: (i: number, e: Event, n: Narration, f: Facts) => string | undefined) =>
  (i: number): Rule =>
  (e, n, f) => {
    if (e.kind !== 'timer') return `a timer claim on a ${e.kind} event`;
    if (Number(n.params.n) !== Number(e.count))
      return `says retransmission #${n.params.n}, the timer's count is ${e.count}`;
    return check?.(i, e, n, f);
  };
/** The first timer of a segment: RTO = the time since that segment was last sent. */
const firstRto = (i: number, e: Event, n: Narration, f: Facts, from?: number) => {
  if (Number(e.count) !== 1) return undefined;
  const { previous } = timerFacts(i, e, f);
  const since = from ?? previous?.t;
  if (since === undefined) return undefined;
  return fail(
    n.params.rto === duration(e.t - since),
    `says RTO = ${n.params.rto}, it fired ${e.t - since} ms after`,
  );
};

/**
 * A timer said to be the RTO of a segment fires at least TCP_RTO_MIN (200 ms, Linux; RFC 6298
 * says 1 s) after the segment was sent: anything sooner was re-armed by something else.
 */
const noShorterThanRtoMin = (i: number, e: Event, f: Facts) => {
  const { previous } = timerFacts(i, e, f);
  if (Number(e.count) !== 1 || !previous) return undefined;
  return fail(e.t - previous.t >= 200, `an RTO of ${e.t - previous.t} ms, below TCP_RTO_MIN`);
};

/** A cookie SYN-ACK (no connection keeps it) of a run whose profile has this cookie layout. */
const cookieSynAck = (layout: 'linux' | 'rfc4987', extra?: Rule): Rule =>
  segment('SYN-ACK', (e, n, f) => {
    const actual = getProfile(f.profile).synCookies;
    return (
      fail(!e.conn, 'a cookie SYN-ACK that keeps state') ??
      fail(actual === layout, `describes the ${layout} cookie, the profile uses ${actual}`) ??
      extra?.(e, n, f)
    );
  });
/** LISTEN → ESTABLISHED on a cookie ACK that did (or did not) carry the timestamp the options come back in. */
const cookieAckClaim =
  (i: number, withTs: boolean): Rule =>
  (e, n, f) => {
    const ack = f.trace
      .slice(0, i)
      .reverse()
      .find((c) => c.kind === 'deliver' && c.endpoint === e.endpoint && c.t === e.t);
    return (
      stateChange('LISTEN', 'ESTABLISHED')(e, n, f) ??
      fail(getProfile(f.profile).synCookies === 'linux', 'options restored outside the linux layout') ??
      fail(
        ack !== undefined && (ack.seg.opts?.ts !== undefined) === withTs,
        `the ACK ${withTs ? 'has no' : 'has a'} timestamp`,
      )
    );
  };

/** Rules by catalogue key; the index of the event is passed for rules that look around it. */
const RULES: Record<string, (i: number) => Rule> = {
  'hs.1': () => segment('SYN', notRetransmitted),
  'hs.1.retx': (i) =>
    segment('SYN', (e, n, f) => {
      const earlier = f.sendsBefore(i, e).filter((c) => has(c, 'SYN') && c.seg.seq === e.seg.seq).length;
      return (
        retransmitted(e, n, f) ??
        fail(Number(n.params.n) === earlier + 1, `says attempt ${n.params.n}, it is ${earlier + 1}`)
      );
    }),
  'simopen.syn': () => segment('SYN'),
  'syn.raw': () => segment('SYN', (e) => fail(!e.conn, 'a hand-made SYN that a connection owns')),
  'flood.syn': () => segment('SYN'),
  'spoof.guess': () => (e, n) =>
    fail(
      e.kind === 'app' &&
        e.event === 'isn-guess' &&
        String(e.guess) === n.params.guess &&
        String(e.observed) === n.params.observed &&
        String(e.perSecond) === n.params.rate,
      `says guess ${n.params.guess} from y = ${n.params.observed} at ${n.params.rate}/s, the trace differs`,
    ),
  'spoof.syn': () => segment('SYN', (e) => fail(!e.conn, 'a forged SYN that a connection owns')),
  'spoof.hit': (i) => segment('data', forgery(i, true)),
  'spoof.miss': (i) => segment('data', forgery(i, false)),
  'hs.2': () => segment('SYN-ACK', notRetransmitted),
  'hs.2.retx': () => segment('SYN-ACK', retransmitted),
  'hs.2.stale': () => segment('SYN-ACK'),
  'hs.2.twoWay': () => segment('SYN-ACK'),
  'hs.2.cookie': () => segment('SYN-ACK', (e) => fail(!e.conn, 'a cookie SYN-ACK that keeps state')),
  'flood.cookie': () => segment('SYN-ACK', (e) => fail(!e.conn, 'a cookie SYN-ACK that keeps state')),
  'flood.synack': () =>
    segment('SYN-ACK', (e, _n, f) => fail(f.lost.has(e.id), 'says it goes nowhere, it arrived')),
  'simopen.synack': () => segment('SYN-ACK'),
  'hs.3': () =>
    segment('ACK', (e) => fail(e.seg.len === 0, 'a data segment narrated as the bare third segment')),
  'hs.3.data': () => segment('data'),
  'data.send': () => segment('data', notRetransmitted),
  'data.halfClose': () => segment('data', (e) => fail(e.state === 'CLOSE_WAIT', `sent from ${e.state}`)),
  'data.retx': () => segment('data', retransmitted),
  'data.retx.fast': () => segment('data', retransmitted),
  'data.retx.tlp': () => segment('data', retransmitted),
  'ack.keepalive': () => segment('ACK'),
  'ack.keepaliveAgain': () => segment('ACK'),
  'ack.data': () =>
    segment('ACK', (e, n, f) => {
      const irs = f.irsAt.get(e.id);
      const bytes = irs === undefined ? undefined : mod32(e.seg.ack - irs - 1);
      return fail(
        bytes === undefined || Number(n.params.bytes) === bytes,
        `says ${n.params.bytes} bytes received, the ack says ${bytes}`,
      );
    }),
  'ack.dup': () => segment('ACK'),
  'ack.challenge': () => segment('ACK'),
  'ack.unsent': () => segment('ACK'),
  'ack.plain': () => segment('ACK'),
  'close.1': () => segment('FIN', (e) => fail(e.seg.len === 0, 'a FIN with data narrated as a bare FIN')),
  'close.1.data': () => segment('FIN', (e) => fail(e.seg.len > 0, 'a bare FIN narrated as carrying data')),
  'close.3': () => segment('FIN'),
  'close.23': () => segment('FIN', (e) => fail(has(e, 'ACK'), 'no ACK on the combined segment')),
  'close.sim': () => segment('FIN'),
  'fin.retx': () => segment('FIN', retransmitted),
  'close.2': () => segment('ACK'),
  'close.4': () => segment('ACK'),
  'close.simAck': () => segment('ACK'),
  // "receives the peer's FIN again": a FIN of the peer arrived at this instant, in TIME_WAIT.
  'close.reack': (i) =>
    segment('ACK', (e, _n, f) => {
      const finIn = f.trace
        .slice(0, i)
        .some((c) => c.kind === 'deliver' && c.endpoint === e.from && c.t === e.t && has(c, 'FIN'));
      return fail(e.state === 'TIME_WAIT' && finIn, 'no FIN arrived in TIME_WAIT at this instant');
    }),
  'close.recvFin': () => stateChange(undefined, 'CLOSE_WAIT'),
  'close.fw2': () => stateChange('FIN_WAIT_1', 'FIN_WAIT_2'),
  'close.lastAck': () => stateChange('LAST_ACK', 'CLOSED'),
  'close.tw': (i) => (e, n, f) =>
    stateChange(undefined, 'TIME_WAIT')(e, n, f) ?? timeWaitClaim(i, e, String(n.params.wait), f, false),
  'close.twOpen': () => stateChange(undefined, 'TIME_WAIT'),
  'close.twNone': () => stateChange(undefined, 'TIME_WAIT'),
  'close.twEnd': (i) => (e, n, f) =>
    stateChange('TIME_WAIT', 'CLOSED')(e, n, f) ?? timeWaitClaim(i, e, String(n.params.wait), f, true),
  'close.twEndNone': () => stateChange('TIME_WAIT', 'CLOSED'),
  'hs.done': () => stateChange('SYN_RECEIVED', 'ESTABLISHED'),
  'hs.queue': (i) => segment('SYN-ACK', queueClaim(i)),
  'hs.queueDone': (i) => (e, n, f) =>
    stateChange('SYN_RECEIVED', 'ESTABLISHED')(e, n, f) ?? queueClaim(i)(e, n, f),
  'hs.cookieOk': () => stateChange(undefined, 'ESTABLISHED'),
  'cookie.linux': () => cookieSynAck('linux'),
  'cookie.rfc4987': () =>
    cookieSynAck('rfc4987', (e) => fail(!e.seg.opts?.ts && e.seg.opts?.wscale === undefined, 'options kept')),
  'cookie.linuxTs': () =>
    cookieSynAck('linux', (e) => fail(e.seg.opts?.ts !== undefined, 'no timestamp sent')),
  'cookie.linuxNoTs': () =>
    cookieSynAck('linux', (e) =>
      fail(!e.seg.opts?.ts && !e.seg.opts?.sackOk && e.seg.opts?.wscale === undefined, 'options sent'),
    ),
  'cookie.restored': (i) => cookieAckClaim(i, true),
  'cookie.noOptions': (i) => cookieAckClaim(i, false),
  'simopen.done': () => stateChange(undefined, 'ESTABLISHED'),
  'rst.recv': () => stateChange(undefined, 'CLOSED'),
  'rst.recvQuiet': () => stateChange(undefined, 'CLOSED'),
  'rst.recvHalfOpen': () => (e) =>
    fail(e.kind === 'state' && e.from === 'SYN_RECEIVED', `a half-open entry leaving ${e.from}`),
  'rst.refused': () => stateChange('SYN_SENT', 'CLOSED'),
  'rst.abort': () => segment('RST'),
  'rst.abortApp': () => segment('RST'),
  // "carries ACK too" / "a bare RST": the abort's RST as sent in this run (RST|ACK in linux, RST in rfc9293).
  'rst.abortWithAck': () =>
    segment('RST', (e) => fail(has(e, 'ACK'), `says RST|ACK of a ${flags(e).join(',')} segment`)),
  'rst.abortBare': () =>
    segment('RST', (e) => fail(!has(e, 'ACK'), `says a bare RST of a ${flags(e).join(',')} segment`)),
  'rst.keepalive': () => segment('RST'),
  'rst.stale': () =>
    segment('RST', (e) => fail(e.state === 'SYN_SENT', `a stale-ACK RST sent from ${e.state}`)),
  'rst.noConn': () => segment('RST'),
  'rst.noConnTw': () => segment('RST'),
  'rst.other': () => segment('RST'),
  'raw.segment': () => event('send'),
  'timer.lost': timer((i, e, n, f) => {
    const { previous } = timerFacts(i, e, f);
    return (
      fail(!!previous && f.lost.has(previous.id), 'says the segment was lost, it was not') ??
      firstRto(i, e, n, f) ??
      noShorterThanRtoMin(i, e, f)
    );
  }),
  'timer.answerLost': timer((i, e, n, f) => firstRto(i, e, n, f) ?? noShorterThanRtoMin(i, e, f)),
  'timer.noAck': timer((i, e, n, f) => firstRto(i, e, n, f) ?? noShorterThanRtoMin(i, e, f)),
  // The SYN timer re-armed by an unacceptable ACK: it fires the stated time after our RST.
  'timer.rearmed': timer((i, e, n, f) => {
    const rst = f
      .sendsBefore(i, { ...e, from: e.endpoint })
      .filter((c) => has(c, 'RST') && c.state === 'SYN_SENT')
      .pop();
    return rst ? firstRto(i, e, n, f, rst.t) : 'no RST from SYN_SENT before the re-armed timer';
  }),
  'flood.timer': () => event('timer'),
  lost: () => (e, _n, f) => fail(e.kind === 'send' && f.lost.has(e.id), 'says lost, the segment arrived'),
  duplicate: () => event('duplicate'),
  reordered: () => (e) => fail(e.reordered === true && e.seg.len > 0, 'says data buffered out of order'),
  'reordered.control': () => (e) =>
    fail(e.reordered === true && e.seg.len === 0, 'says a reordered bare segment'),
  'drop.synQueue': () => event('drop'),
  'drop.acceptQueue': () => event('drop'),
  'drop.cookie': () => event('drop'),
  'drop.other': () => event('drop'),
  // "each one holds a half-open entry" only when no SYN was answered with a cookie.
  'flood.start': () => (_e, _n, f) =>
    fail(f.cookieSynAcks === 0, 'says every SYN holds an entry, cookies answered some'),
  'flood.startCookies': () => (_e, _n, f) => fail(f.cookieSynAcks > 0, 'mentions cookies, none was sent'),
  'flood.expire': () => event('app'),
  'flood.expireLife': (i) => (e, n, f) => event('app')(e, n, f) ?? lifetimeClaim(i)(e, n, f),
  'close.connectTimeout': (i) => (e, n, f) => {
    const syns = f.sendsBefore(i, e).filter((c) => has(c, 'SYN')).length;
    return fail(Number(n.params.n) === syns, `says ${n.params.n} SYNs, the connection sent ${syns}`);
  },
  'close.timeout': () => event('app'),
  'close.keepalive': () => event('app'),
  'app.restart': () => event('app'),
  'cc.disorder': () => event('cc'),
  'cc.recovery': () => (e, n) => fail(e.kind === 'cc' && Number(n.params.cwnd) === e.cwnd, 'cwnd differs'),
  'cc.loss': () => (e, n) => fail(e.kind === 'cc' && Number(n.params.cwnd) === e.cwnd, 'cwnd differs'),
  'cc.cwr': () => event('cc'),
  'cc.open': () => event('cc'),
  'deliver.old': () => event('deliver'),
  'deliver.oldAccepted': () => event('deliver'),
  'lost.afterCapture': () => noClaim,
};

/**
 * TIME_WAIT's length as said: from entering it (or, at its end, from the last ACK it repeated,
 * which restarts the 2MSL timer) to leaving it.
 */
function timeWaitClaim(i: number, e: Event, said: string, f: Facts, atEnd: boolean): string | undefined {
  const same = (c: Event) => c.endpoint === e.endpoint && c.conn === e.conn;
  const entry = atEnd
    ? f.trace
        .slice(0, i)
        .filter((c) => c.kind === 'state' && same(c) && c.to === 'TIME_WAIT')
        .pop()
    : e;
  const end = f.trace.slice(i).find((c) => c.kind === 'state' && same(c) && c.from === 'TIME_WAIT');
  if (!entry || !end) return undefined;
  const restarts = f.trace.filter(
    (c) => c.kind === 'send' && same(c) && c.state === 'TIME_WAIT' && c.t >= entry.t && c.t <= end.t,
  );
  const start = Math.max(entry.t, ...restarts.map((c) => c.t));
  const rstEnd = f.trace.some(
    (c) => c.kind === 'deliver' && c.endpoint === e.endpoint && c.t === end.t && has(c, 'RST'),
  );
  if (rstEnd) return undefined;
  return fail(
    said === duration(end.t - start),
    `says TIME_WAIT lasts ${said}, it lasted ${end.t - start} ms`,
  );
}

/** Every narrated claim of one trace that the trace contradicts. */
function contradictions(
  label: string,
  trace: Event[],
  profile = 'linux',
): { problems: string[]; checked: number } {
  const facts = new Facts(trace, profile);
  const problems: string[] = [];
  const narration = narrate(trace as never, 'en', { strict: true, profile });
  for (const n of narration) {
    const rule = RULES[n.key];
    const e = trace[n.ref];
    const problem = rule ? rule(n.ref)(e, n, facts) : `no rule for key ${n.key}`;
    if (problem) problems.push(`${label} @${e.t} ms [${n.key}] ${problem}: «${n.text}»`);
  }
  return { problems, checked: narration.length };
}

function parseTrace(jsonl: string): Event[] {
  return jsonl
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Event)
    .filter((e) => e.kind !== 'meta');
}

async function checkRun(args: string[]): Promise<{ problems: string[]; checked: number }> {
  const r = await synack(['run', ...args, '--format', 'jsonl', '--no-expect']);
  if (r.code !== 0) return { problems: [describeResult(r)], checked: 0 };
  const meta = JSON.parse(r.stdout.split('\n')[0]) as { kind: string; profile?: string };
  return contradictions(
    args.join(' '),
    parseTrace(r.stdout),
    meta.kind === 'meta' ? meta.profile : undefined,
  );
}

describe('narrated claims match the trace', () => {
  it('the rules catch a FIN claim on an ACK, a wrong RTO and a wrong byte count', () => {
    const seg = (flags: string[], seq: number, ack: number, len = 0) => ({
      srcPort: 1,
      dstPort: 2,
      seq,
      ack,
      flags,
      len,
    });
    const trace: Event[] = [
      { kind: 'send', t: 0, endpoint: 'c', from: 'c', to: 's', id: 1, conn: 'a', seg: seg(['SYN'], 100, 0) },
      {
        kind: 'send',
        t: 10,
        endpoint: 'c',
        from: 'c',
        to: 's',
        id: 2,
        conn: 'a',
        seg: seg(['ACK'], 101, 501),
      },
      { kind: 'timer', t: 1000, endpoint: 'c', conn: 'a', count: 1, rto: 2000 },
      {
        kind: 'send',
        t: 1000,
        endpoint: 'c',
        from: 'c',
        to: 's',
        id: 3,
        conn: 'a',
        seg: seg(['SYN'], 100, 0),
      },
    ];
    const facts = new Facts(trace);
    const n = (key: string, params: Record<string, string | number>) =>
      ({ ref: 0, key, params, text: '' }) as never;
    expect(RULES['close.1'](1)(trace[1], n('close.1', {}), facts)).toMatch(/says FIN/);
    expect(RULES['timer.noAck'](2)(trace[2], n('timer.noAck', { n: 1, rto: '1 s' }), facts)).toBeUndefined();
    expect(RULES['timer.noAck'](2)(trace[2], n('timer.noAck', { n: 1, rto: '28 ms' }), facts)).toMatch(/RTO/);
    expect(RULES['ack.data'](1)(trace[1], n('ack.data', { bytes: 5 }), facts)).toMatch(/bytes/);
    expect(RULES['ack.data'](1)(trace[1], n('ack.data', { bytes: 0 }), facts)).toBeUndefined();
  });

  it('the abort rules catch RST|ACK said of a bare RST and a bare RST said of RST|ACK', () => {
    const rst = (flags: string[]): Event => ({
      kind: 'send',
      t: 300,
      endpoint: 'c',
      from: 'c',
      to: 's',
      id: 1,
      conn: 'a',
      seg: { srcPort: 1, dstPort: 2, seq: 501, ack: flags.includes('ACK') ? 1 : 0, flags, len: 0 },
    });
    const facts = new Facts([rst(['RST'])]);
    const n = (key: string) => ({ ref: 0, key, params: {}, text: '' }) as never;
    expect(RULES['rst.abortWithAck'](0)(rst(['RST']), n('rst.abortWithAck'), facts)).toMatch(/RST\|ACK/);
    expect(RULES['rst.abortWithAck'](0)(rst(['ACK', 'RST']), n('rst.abortWithAck'), facts)).toBeUndefined();
    expect(RULES['rst.abortBare'](0)(rst(['ACK', 'RST']), n('rst.abortBare'), facts)).toMatch(/bare RST/);
    expect(RULES['rst.abortBare'](0)(rst(['RST']), n('rst.abortBare'), facts)).toBeUndefined();
  });

  it('the forgery rules catch a guess said to hit that missed, and one said to miss that hit', async () => {
    for (const [name, said, wrong] of [
      ['isn-spoofing', 'spoof.hit', 'spoof.miss'],
      ['isn-spoofing-rfc6528', 'spoof.miss', 'spoof.hit'],
    ] as const) {
      const r = await synack(['run', name, '--format', 'jsonl', '--no-expect']);
      const trace = parseTrace(r.stdout);
      const facts = new Facts(trace);
      const n = narrate(trace as never, 'en', { strict: true }).find((x) => x.key === said);
      expect(n, name).toBeDefined();
      if (!n) continue;
      expect(RULES[said](n.ref)(trace[n.ref], n, facts)).toBeUndefined();
      expect(RULES[wrong](n.ref)(trace[n.ref], { ...n, key: wrong }, facts)).toMatch(/says (exact|missed)/);
      const tampered = { ...n, params: { ...n.params, actual: Number(n.params.actual) + 1 } };
      expect(RULES[said](n.ref)(trace[n.ref], tampered, facts)).toMatch(/says the ISN was/);
    }
  }, 60_000);

  it('every built-in scenario', async () => {
    const results = await pool(
      SCENARIO_NAMES.map((name) => () => checkRun([name])),
      2,
    );
    expect(results.flatMap((r) => r.problems).slice(0, 10)).toEqual([]);
    for (const [i, r] of results.entries()) expect(r.checked, SCENARIO_NAMES[i]).toBeGreaterThan(0);
  }, 600_000);

  it('lossy runs over many seeds, and both profiles', async () => {
    const runs = [
      ...Array.from({ length: 20 }, (_, s) => ['lifecycle', '--loss', '0.1', '--seed', String(s + 1)]),
      ...Array.from({ length: 5 }, (_, s) => ['lossy-transfer', '--seed', String(s + 1)]),
      ...['old-duplicate-syn', 'half-open', 'lost-final-ack', 'syn-cookies', 'rst-abort', 'isn-spoofing'].map(
        (s) => [s, '--profile', 'rfc9293'],
      ),
    ];
    const results = await pool(
      runs.map((args) => () => checkRun(args)),
      2,
    );
    expect(results.flatMap((r) => r.problems).slice(0, 10)).toEqual([]);
    expect(results.reduce((n, r) => n + r.checked, 0)).toBeGreaterThan(2000);
  }, 900_000);
});

describe('why four-way-close says when the FIN was acknowledged', () => {
  it('A: the delayed ACK of the FIN is said to come 40 ms after the FIN arrived, not at once', async () => {
    const r = await synack(['why', 'four-way-close', '--no-color']);
    expect(r.code, describeResult(r)).toBe(0);
    const ladderA = r.stdout.split('\nB. ')[0];
    const finIn = /(\d+\.\d{3}) s {2}│\s+ESTABLISHED → CLOSE_WAIT/.exec(ladderA);
    const ackOut = /(\d+\.\d{3}) s {2}◀─+ ACK seq=1 ack=202 /.exec(ladderA);
    expect(finIn && ackOut, ladderA).toBeTruthy();
    const gap = Math.round((Number(ackOut?.[1]) - Number(finIn?.[1])) * 1000);
    expect(gap).toBe(40);
    expect(r.stdout).toContain(
      `A: the server ACKed the client's FIN ${gap} ms after it arrived (a delayed ACK`,
    );
    expect(r.stdout).not.toContain('FIN at once');
  }, 60_000);
});

describe('narrated claims of the runs behind every `synack why` answer', () => {
  it('both runs of each answer: every claim matches its trace', async () => {
    const silent: Output = { out: () => {}, err: () => {}, isTTY: false };
    const problems: string[] = [];
    let checked = 0;
    for (const q of WHY_QUESTIONS) {
      for (const [k, scenario] of q.pair().entries()) {
        const { result } = await runScenario(scenario, { format: 'jsonl' }, silent);
        const trace = (result.trace as unknown as Event[]).filter((e) => e.kind !== 'meta');
        const r = contradictions(`why ${q.name} ${k === 0 ? 'A' : 'B'}`, trace);
        problems.push(...r.problems);
        checked += r.checked;
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
    expect(checked).toBeGreaterThan(100);
  }, 300_000);
});
