/**
 * Turns a trace into narration: for each event worth explaining, one or more catalogue
 * messages whose numbers, states and sides all come from the trace. The narrator reads the
 * trace once, in order, keeping a little bookkeeping per "dialog" (the pair of endpoint:port
 * of a segment) and per connection attempt on it: who opened (x = that side's ISN, y = the
 * other's), how far the handshake got, which FINs were sent and acknowledged.
 *
 * It is an omniscient narrator (it may look at the whole trace: whether a segment will be
 * lost, when TIME_WAIT will end), but it never invents a number.
 */
import { type CookieLayout, getProfile, INFINITE_SSTHRESH, SYNCHRONIZED_STATES } from '@synack/core';
import type { TraceEvent } from '@synack/network';
import { ZH_CC_STATES, zhDropReason } from '../ladder-text.js';
import { format, type Lang, type MessageKey, type Params } from './catalog.js';

export interface Narration {
  /** Index in the trace of the event this narration explains. */
  ref: number;
  key: MessageKey;
  params: Params;
  text: string;
}

type SegEvent = Extract<TraceEvent, { kind: 'send' | 'deliver' | 'drop' | 'duplicate' }>;
type StateEvent = Extract<TraceEvent, { kind: 'state' }>;
type TimerEvent = Extract<TraceEvent, { kind: 'timer' }>;
type CcEvent = Extract<TraceEvent, { kind: 'cc' }>;
type AppEvent = Extract<TraceEvent, { kind: 'app' }>;

const IPV4 = /^\d+\.\d+\.\d+\.\d+$/;
/** Linux TCP_RTO_MIN: no retransmission timeout computed from RTT samples is shorter. */
const RTO_MIN_MS = 200;
/** States where a SYN gets a challenge ACK (RFC 5961 §4.2): the synchronized ones after SYN_RECEIVED. */
const SYNCHRONIZED: ReadonlySet<string> = new Set(SYNCHRONIZED_STATES.filter((s) => s !== 'SYN_RECEIVED'));

/** One connection attempt on a dialog: from a SYN to the end of that incarnation. */
interface Attempt {
  dialog: Dialog;
  /** The side whose SYN opened it; its ISN is called x, the other side's y. */
  active: string;
  passive: string;
  x: number;
  y?: number;
  /** Highest handshake step narrated (1, 2, 3). */
  hs: number;
  raw: boolean;
  simultaneous: boolean;
  /** SYN / SYN-ACK transmissions per side (attempt numbers of retransmissions). */
  synSends: Map<string, number>;
  /** The sequence number each side's FIN occupies. */
  fin: Map<string, number>;
  finOrder: string[];
  /** ACKs of the peer's FIN sent, per acknowledging side. */
  finAcks: Map<string, number>;
  /** Per side: sequence number after the last thing it sent; last ack value it sent. */
  sentMax: Map<string, number>;
  lastAck: Map<string, number>;
}

interface Dialog {
  attempts: Attempt[];
}

/** Signed distance a − b in sequence space. */
function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

function segLength(seg: SegEvent['seg']): number {
  return seg.len + (seg.flags.includes('SYN') ? 1 : 0) + (seg.flags.includes('FIN') ? 1 : 0);
}

function dialogKey(a: string, aPort: number, b: string, bPort: number): string {
  return [`${a}:${aPort}`, `${b}:${bPort}`].sort().join('|');
}

/**
 * Narrates a whole trace. An event the narrator cannot explain (a bug) is skipped, so a user's
 * `--explain` never fails on an unusual trace; `strict` (the tests) throws instead.
 */
/** What a trace does not say itself: the run's profile (default linux, as `synack run`'s). */
export interface NarrationContext {
  profile?: string;
}

export function narrate(
  trace: readonly TraceEvent[],
  lang: Lang,
  options: { strict?: boolean } & NarrationContext = {},
): Narration[] {
  return new Narrator(trace, lang, options.strict ?? false, cookieLayoutOf(trace, options.profile)).run();
}

/**
 * The SYN cookie layout of the run's profile (core Profile.synCookies): from the context, else a
 * `meta` line of a JSONL trace, else the default profile, linux.
 */
function cookieLayoutOf(trace: readonly TraceEvent[], profile: string | undefined): CookieLayout | undefined {
  const meta =
    (trace[0] as { kind?: string; profile?: unknown } | undefined)?.kind === 'meta' ? trace[0] : undefined;
  const name = profile ?? (meta as { profile?: string } | undefined)?.profile ?? 'linux';
  try {
    return getProfile(name).synCookies;
  } catch {
    return undefined;
  }
}

class Narrator {
  private readonly out: Narration[] = [];
  private readonly dialogs = new Map<string, Dialog>();
  /** Network drops by packet id → reason. */
  private readonly lost = new Map<number, string>();
  private readonly floodEndpoints = new Set<string>();
  /** endpoint|conn → dialog key (from any segment the connection sent). */
  private readonly connDialog = new Map<string, string>();
  /** endpoint|conn of connections that answer spoofed addresses (SYN flood victims). */
  private readonly spoofedConns = new Set<string>();
  /** endpoint|conn → times it went TIME_WAIT → CLOSED. */
  private readonly twClosed = new Map<string, number[]>();
  /** endpoint|conn → sends in TIME_WAIT (times). */
  private readonly twSends = new Map<string, number[]>();
  private readonly lastDeliver = new Map<string, SegEvent>();
  private readonly sendAttempt = new Map<number, Attempt>();
  private readonly sendTime = new Map<number, number>();
  private readonly history = new Map<
    string,
    Array<{ t: number; id: number; seq: number; syn: boolean; fin: boolean }>
  >();
  private readonly timerRto = new Map<string, number>();
  private readonly timerCount = new Map<string, number>();
  private readonly connState = new Map<string, string>();
  private readonly closedFrom = new Map<string, string>();
  private readonly leftTimeWait = new Set<string>();
  private readonly twEntry = new Map<string, number>();
  private readonly once = new Set<string>();
  /** endpoint|conn → its last congestion state (cc lines). */
  private readonly ccState = new Map<string, string>();
  /** endpoint|conn → the attempt (incarnation) that connection belongs to. */
  private readonly connAttempt = new Map<string, Attempt>();
  /** Unanswered keepalive probes by `endpoint|conn`: how many, the last one's time, its ports. */
  private readonly probes = new Map<string, { n: number; t: number; ports: string }>();
  /** `endpoint|conn|t` of each connection its application aborted (closed: aborted) at t. */
  private readonly abortedAt = new Set<string>();
  /** endpoint → its latest ISN guess (app isn-guess): the forged segments that follow are narrated with it. */
  private readonly isnGuess = new Map<string, AppEvent>();
  /** Did any listener answer a SYN statelessly (a SYN-ACK no connection owns: a SYN cookie)? */
  private cookiesAnswered = false;
  /** endpoint|conn → times it sent a RST from SYN_SENT (an unacceptable ACK of an older connection). */
  private readonly synSentRsts = new Map<string, number[]>();
  /** endpoint → its listener's backlog (from app: listen). */
  private readonly backlog = new Map<string, number>();
  /** endpoint → its half-open entries now (passive connections in SYN_RECEIVED), by endpoint|conn. */
  private readonly halfOpen = new Map<string, Set<string>>();
  /** endpoint|conn → times it sent a SYN-ACK (a half-open entry's, for its lifetime; not the RST to a forged ACK). */
  private readonly sendTimes = new Map<string, number[]>();
  /** endpoint|conn → when it entered SYN_RECEIVED from LISTEN (a half-open entry is born). */
  private readonly halfOpenSince = new Map<string, number>();

  constructor(
    private readonly trace: readonly TraceEvent[],
    private readonly lang: Lang,
    private readonly strict: boolean,
    /** The run's SYN cookie layout (what a cookie encodes differs by profile). */
    private readonly cookieLayout: CookieLayout | undefined,
  ) {
    const rstAt = new Set<string>();
    for (const e of trace) {
      if (e.kind === 'deliver' && e.seg.flags.includes('RST')) rstAt.add(`${e.endpoint}|${e.t}`);
      if (e.kind === 'drop' && e.id !== 0) this.lost.set(e.id, String(e.reason));
      if (e.kind === 'app' && e.event === 'syn-flood') this.floodEndpoints.add(e.endpoint);
      if (e.kind === 'app' && e.event === 'closed' && e.reason === 'aborted')
        this.abortedAt.add(`${e.endpoint}|${e.conn}|${e.t}`);
      if (e.kind === 'send' && e.conn) {
        const key = `${e.from}|${e.conn}`;
        if (!this.connDialog.has(key)) {
          this.connDialog.set(key, dialogKey(e.from, e.seg.srcPort, e.to, e.seg.dstPort));
        }
        if (IPV4.test(e.to)) this.spoofedConns.add(key);
        if (e.seg.flags.includes('SYN') && e.seg.flags.includes('ACK')) push(this.sendTimes, key, e.t);
        if (e.state === 'TIME_WAIT') push(this.twSends, key, e.t);
        if (e.state === 'SYN_SENT' && e.seg.flags.includes('RST')) push(this.synSentRsts, key, e.t);
      }
      if (e.kind === 'send' && !e.conn && e.seg.flags.includes('SYN') && e.seg.flags.includes('ACK'))
        this.cookiesAnswered = true;
      // The 2MSL timer's end (not a RST killing TIME_WAIT).
      if (
        e.kind === 'state' &&
        e.from === 'TIME_WAIT' &&
        e.to === 'CLOSED' &&
        !rstAt.has(`${e.endpoint}|${e.t}`)
      ) {
        push(this.twClosed, `${e.endpoint}|${e.conn}`, e.t);
      }
    }
  }

  run(): Narration[] {
    this.trace.forEach((e, i) => {
      try {
        this.narrateEvent(e, i);
      } catch (err) {
        if (this.strict) throw new Error(`explain: event ${i} (${e.kind}): ${(err as Error).message}`);
      }
    });
    return this.out;
  }

  /** Keeps the half-open count of each listener (before the event is narrated). */
  private trackQueues(e: TraceEvent): void {
    if (e.kind === 'app' && e.event === 'listen') this.backlog.set(e.endpoint, Number(e.backlog));
    if (e.kind !== 'state' || e.role === 'listener') return;
    const key = `${e.endpoint}|${e.conn}`;
    let entries = this.halfOpen.get(e.endpoint);
    if (!entries) this.halfOpen.set(e.endpoint, (entries = new Set()));
    if (e.from === 'LISTEN' && e.to === 'SYN_RECEIVED') {
      entries.add(key);
      this.halfOpenSince.set(key, e.t);
    } else if (e.from === 'SYN_RECEIVED') entries.delete(key);
  }

  /** "3/8": the endpoint's half-open entries now over its listener's backlog. */
  private queueParams(endpoint: string): Params | undefined {
    const backlog = this.backlog.get(endpoint);
    if (backlog === undefined || !Number.isFinite(backlog)) return undefined;
    return { n: this.halfOpen.get(endpoint)?.size ?? 0, backlog };
  }

  /** A half-open entry's life as the sum of its SYN-ACK waits: "1 s + 2 s + … = 63 s". */
  private halfOpenLifetime(key: string, end: number): Params | undefined {
    const born = this.halfOpenSince.get(key);
    const sends = (this.sendTimes.get(key) ?? []).filter((t) => t >= (born ?? 0) && t <= end);
    if (born === undefined || sends.length === 0) return undefined;
    const marks = [...sends, end];
    const waits = marks.slice(1).map((t, k) => this.duration(t - marks[k]));
    return { waits: waits.join(' + '), total: this.duration(end - sends[0]), retries: sends.length - 1 };
  }

  private narrateEvent(e: TraceEvent, i: number): void {
    this.trackQueues(e);
    switch (e.kind) {
      case 'send':
        this.onSend(e, i);
        break;
      case 'deliver':
        this.answerProbes(e);
        this.onDeliver(e, i);
        break;
      case 'duplicate':
        this.say(i, 'duplicate', { orig: e.duplicateOf ?? '?', seq: e.seg.seq });
        break;
      case 'drop':
        if (e.id === 0) this.onHostDrop(e, i);
        break;
      case 'state':
        this.onState(e, i);
        break;
      case 'timer':
        this.onTimer(e, i);
        break;
      case 'app':
        this.onApp(e, i);
        break;
      case 'cc':
        this.onCongestion(e, i);
        break;
      default:
        break;
    }
  }

  // ---------------------------------------------------------------------------------------

  private say(ref: number, key: MessageKey, params: Params): void {
    this.out.push({ ref, key, params, text: format(this.lang, key, params) });
  }

  private sayOnce(tag: string, ref: number, key: MessageKey, params: Params): void {
    if (this.once.has(tag)) return;
    this.once.add(tag);
    this.say(ref, key, params);
  }

  private side(id: string): string {
    if (id === 'client' || id === 'server' || id === 'attacker') return format(this.lang, `side.${id}`);
    return id;
  }

  private what(kind: string): string {
    const key = `what.${kind}` as MessageKey;
    return key in KNOWN_WHAT ? format(this.lang, key) : kind;
  }

  private duration(ms: number): string {
    if (ms < 1000) return format(this.lang, 'unit.ms', { n: trimNumber(ms) });
    return format(this.lang, 'unit.s', { n: trimNumber(ms / 1000) });
  }

  private time(t: number): string {
    return format(this.lang, 'unit.s', { n: (t / 1000).toFixed(3) });
  }

  private dialog(key: string): Dialog {
    let d = this.dialogs.get(key);
    if (!d) {
      d = { attempts: [] };
      this.dialogs.set(key, d);
    }
    return d;
  }

  private newAttempt(dialog: Dialog, active: string, passive: string, x: number, raw: boolean): Attempt {
    const a: Attempt = {
      dialog,
      active,
      passive,
      x,
      hs: 1,
      raw,
      simultaneous: false,
      synSends: new Map([[active, 1]]),
      fin: new Map(),
      finOrder: [],
      finAcks: new Map(),
      sentMax: new Map(),
      lastAck: new Map(),
    };
    dialog.attempts.push(a);
    return a;
  }

  /**
   * `value` named after `side`'s ISN in attempt `a`: "x+1 = 1001", "y = 5000", or just the number
   * (also for an older connection on the dialog: x and y always name the latest one).
   */
  private num(a: Attempt | undefined, side: string, value: number): string {
    if (!a || a.dialog.attempts[a.dialog.attempts.length - 1] !== a) return String(value);
    const name = side === a.active ? 'x' : side === a.passive ? 'y' : undefined;
    const base = side === a.active ? a.x : side === a.passive ? a.y : undefined;
    if (name === undefined || base === undefined) return String(value);
    const off = seqDiff(value, base);
    if (off === 0) return `${name} = ${value}`;
    // A number behind the ISN belongs to another incarnation's sequence space (an old segment,
    // an RST copying a stale ack): named after this ISN it would read as a negative offset.
    if (off < 0 || off > 0x4000_0000) return String(value);
    return `${name}+${off} = ${value}`;
  }

  // ---------------------------------------------------------------------------------------

  private onSend(e: SegEvent, i: number): void {
    const seg = e.seg;
    const me = e.from;
    const key = dialogKey(me, seg.srcPort, e.to, seg.dstPort);
    const dialog = this.dialog(key);
    const connKey = e.conn ? `${me}|${e.conn}` : undefined;
    const current: Attempt | undefined =
      (connKey && this.connAttempt.get(connKey)) || dialog.attempts[dialog.attempts.length - 1];
    if (e.conn) {
      const [syn, fin] = [seg.flags.includes('SYN'), seg.flags.includes('FIN')];
      push(this.history, `${me}|${e.conn}`, { t: e.t, id: e.id, seq: seg.seq, syn, fin });
    }
    if (this.onFloodSend(e, i)) return;
    const said = this.out.length;
    const a = this.narrateSegment(e, i, dialog, current, key);
    this.narrateForgery(e, i, said);
    if (a) this.recordSend(e, a, connKey);
    this.sendTime.set(e.id, e.t);
    const reason = this.lost.get(e.id);
    if (reason === 'after-capture') {
      // synack replay: the capture saw it, the receiver's later behaviour shows it never arrived.
      this.say(i, 'lost.afterCapture', { peer: this.side(e.to), what: this.what(segmentKind(seg)) });
    } else if (reason !== undefined) {
      const said = this.lang === 'zh' ? zhDropReason(reason) : reason;
      this.say(i, 'lost', { reason: said, peer: this.side(e.to), what: this.what(segmentKind(seg)) });
    }
    // Only data waits in the receiver's out-of-order queue (Linux tcp_data_queue_ofo); a late
    // pure ACK or RST is just processed late.
    if (e.reordered && seg.len > 0) this.say(i, 'reordered', {});
    else if (e.reordered) this.say(i, 'reordered.control', { what: this.what(segmentKind(seg)) });
  }

  /**
   * SYN floods: the spoofed SYNs and the answers into the void are narrated once per kind.
   * True when `e` is flood traffic (narrated here or deliberately not at all).
   */
  private onFloodSend(e: SegEvent, i: number): boolean {
    const seg = e.seg;
    const syn = seg.flags.includes('SYN');
    const ack = seg.flags.includes('ACK');
    const side = this.side(e.from);
    if (this.floodEndpoints.has(e.from) && !e.conn && syn && !ack) {
      this.sayOnce('flood.syn', i, 'flood.syn', { side, seq: seg.seq });
      return true;
    }
    if (!IPV4.test(e.to)) return false;
    if (syn && ack && !e.retransmit) {
      if (!e.conn) {
        this.sayOnce('flood.cookie', i, 'flood.cookie', { side, seq: seg.seq });
        this.sayCookieLayout(e, i);
      } else {
        const reason = this.lost.get(e.id) ?? 'no-route';
        this.sayOnce('flood.synack', i, 'flood.synack', {
          side,
          reason: this.lang === 'zh' ? zhDropReason(reason) : reason,
        });
      }
    }
    return true;
  }

  /** Narrates a segment by what it is; returns the attempt it belongs to (when known). */
  private narrateSegment(
    e: SegEvent,
    i: number,
    dialog: Dialog,
    a: Attempt | undefined,
    key: string,
  ): Attempt | undefined {
    const flags = new Set(e.seg.flags);
    if (flags.has('RST')) this.onRst(e, i, a, key);
    else if (flags.has('SYN') && !flags.has('ACK')) return this.onSyn(e, i, dialog, a);
    else if (flags.has('SYN')) return this.onSynAck(e, i, dialog) ?? a;
    else if (a && this.completesHandshake(e, a)) this.onHandshakeAck(e, i, a);
    else if (flags.has('FIN')) this.onFin(e, i, a);
    else if (e.seg.len > 0) this.onData(e, i, a);
    else if (e.kind === 'send' && e.retransmitKind === 'keepalive') this.onKeepaliveProbe(e, i, a);
    else this.onAck(e, i, a, key);
    return a;
  }

  /** A keepalive probe (RFC 1122 §4.2.3.6): the first after the idle time, or one more unanswered. */
  private onKeepaliveProbe(e: SegEvent, i: number, a: Attempt | undefined): void {
    const connKey = `${e.from}|${e.conn}`;
    const before = this.probes.get(connKey);
    const n = (before?.n ?? 0) + 1;
    this.probes.set(connKey, { n, t: e.t, ports: `${e.from}|${e.seg.srcPort}|${e.seg.dstPort}` });
    const seq = this.num(a, e.from, e.seg.seq);
    const side = this.side(e.from);
    if (!before) this.say(i, 'ack.keepalive', { side, peer: this.side(e.to), seq });
    else this.say(i, 'ack.keepaliveAgain', { side, n, gap: this.duration(e.t - before.t), seq });
  }

  /** Any segment reaching a probing connection answers its keepalive probes. */
  private answerProbes(e: SegEvent): void {
    const ports = `${e.to}|${e.seg.dstPort}|${e.seg.srcPort}`;
    for (const [connKey, probe] of this.probes) if (probe.ports === ports) this.probes.delete(connKey);
  }

  /** Is `e` the third segment of the handshake, the active side's ACK of the SYN-ACK (y + 1)? */
  private completesHandshake(e: SegEvent, a: Attempt): boolean {
    return (
      a.hs === 2 &&
      e.from === a.active &&
      !a.simultaneous &&
      a.y !== undefined &&
      e.seg.ack === (a.y + 1) >>> 0
    );
  }

  /** The third segment of the handshake (it may carry data). */
  private onHandshakeAck(e: SegEvent, i: number, a: Attempt): void {
    a.hs = 3;
    const params = {
      side: this.side(e.from),
      peer: this.side(e.to),
      ack: this.num(a, e.to, e.seg.ack),
      seq: this.num(a, e.from, e.seg.seq),
      state: e.state ?? '?',
    };
    if (e.seg.len > 0) this.say(i, 'hs.3.data', { ...params, len: e.seg.len });
    else this.say(i, 'hs.3', params);
  }

  /**
   * A segment forged after an ISN guess (network isn-spoof): its generic narration (a hand-made
   * SYN, data) is replaced by what it is — the forged SYN, or the blind third segment compared
   * with the ISN the server really chose (its SYN-ACK to the spoofed address, later in the trace).
   */
  private narrateForgery(e: SegEvent, i: number, said: number): void {
    const guess = this.isnGuess.get(e.from);
    if (e.conn || !guess) return;
    const spoofed = String(guess.spoofed);
    const side = this.side(e.from);
    const f = e.seg.flags;
    this.out.length = said;
    if (f.includes('SYN')) {
      this.say(i, 'spoof.syn', { side, spoofed, seq: e.seg.seq });
      return;
    }
    const [addr, port] = spoofed.split(':');
    const synAck = this.trace.find(
      (c): c is SegEvent =>
        c.kind === 'send' &&
        c.to === addr &&
        c.seg.dstPort === Number(port) &&
        c.seg.flags.includes('SYN') &&
        c.seg.flags.includes('ACK'),
    );
    if (!synAck) return;
    const actual = synAck.seg.seq;
    const off = Math.min((e.seg.ack - 1 - actual) >>> 0, (actual - e.seg.ack + 1) >>> 0);
    const params = { side, spoofed, ack: e.seg.ack, guess: Number(guess.guess), len: e.seg.len, actual };
    if (off === 0) this.say(i, 'spoof.hit', params);
    else this.say(i, 'spoof.miss', { ...params, off });
  }

  /** Per-attempt bookkeeping of a sent segment: its connection, highest sequence sent, last ACK. */
  private recordSend(e: SegEvent, a: Attempt, connKey: string | undefined): void {
    const seg = e.seg;
    if (connKey && !this.connAttempt.has(connKey)) this.connAttempt.set(connKey, a);
    const end = (seg.seq + segLength(seg)) >>> 0;
    const max = a.sentMax.get(e.from);
    if (max === undefined || seqDiff(end, max) > 0) a.sentMax.set(e.from, end);
    if (seg.flags.includes('ACK')) a.lastAck.set(e.from, seg.ack);
    this.sendAttempt.set(e.id, a);
  }

  private onSyn(e: SegEvent, i: number, dialog: Dialog, current: Attempt | undefined): Attempt {
    const seg = e.seg;
    const me = e.from;
    const side = this.side(me);
    if (!e.conn) {
      const a = this.newAttempt(dialog, me, e.to, seg.seq, true);
      this.say(i, 'syn.raw', { side, seq: seg.seq });
      return a;
    }
    if (e.retransmit) {
      const a =
        findLast(dialog.attempts, (x) => x.active === me && x.x === seg.seq) ??
        findLast(dialog.attempts, (x) => x.simultaneous && x.passive === me && x.y === seg.seq);
      if (a) {
        const n = (a.synSends.get(me) ?? 1) + 1;
        a.synSends.set(me, n);
        this.say(i, 'hs.1.retx', { side, seq: this.num(a, me, seg.seq), n });
        return a;
      }
    }
    if (current && current.hs === 1 && current.active === e.to && !current.raw && !current.simultaneous) {
      // The peer's SYN is out and unanswered and we send our own: a simultaneous open.
      current.simultaneous = true;
      current.y = seg.seq;
      current.synSends.set(me, 1);
      this.say(i, 'simopen.syn', {
        side,
        peer: this.side(e.to),
        seq: this.num(current, me, seg.seq),
        state: e.state ?? 'SYN_SENT',
      });
      return current;
    }
    const a = this.newAttempt(dialog, me, e.to, seg.seq, false);
    this.say(i, 'hs.1', { side, seq: this.num(a, me, seg.seq), state: e.state ?? 'SYN_SENT' });
    return a;
  }

  private onSynAck(e: SegEvent, i: number, dialog: Dialog): Attempt | undefined {
    const seg = e.seg;
    const me = e.from;
    const peer = e.to;
    const side = this.side(me);
    const peerName = this.side(peer);
    const current = dialog.attempts[dialog.attempts.length - 1];
    const a =
      findLast(dialog.attempts, (x) => x.active === peer && (x.x + 1) >>> 0 === seg.ack) ??
      findLast(
        dialog.attempts,
        (x) => x.simultaneous && x.passive === peer && x.y !== undefined && (x.y + 1) >>> 0 === seg.ack,
      );
    if (!a) {
      this.say(i, 'ack.plain', { side, seq: seg.seq, ack: seg.ack });
      return undefined;
    }
    const state = e.state ?? '?';
    if (a.simultaneous) {
      this.say(i, 'simopen.synack', {
        side,
        peer: peerName,
        seq: this.num(a, me, seg.seq),
        ack: this.num(a, peer, seg.ack),
        state,
      });
      return a;
    }
    if (e.retransmit || (a.hs >= 2 && a.y === seg.seq)) {
      const n = (a.synSends.get(me) ?? 1) + 1;
      a.synSends.set(me, n);
      this.say(i, 'hs.2.retx', { side, seq: this.num(a, me, seg.seq), ack: this.num(a, peer, seg.ack), n });
      return a;
    }
    a.y = seg.seq;
    a.hs = 2;
    a.synSends.set(me, 1);
    if (!e.conn) {
      this.say(i, 'hs.2.cookie', { side, seq: this.num(a, me, seg.seq), ack: this.num(a, peer, seg.ack) });
      this.sayCookieLayout(e, i);
    } else if (e.state === 'ESTABLISHED') {
      this.say(i, 'hs.2.twoWay', {
        side,
        peer: peerName,
        ack: this.num(a, peer, seg.ack),
        seq: this.num(a, me, seg.seq),
      });
    } else if (a !== current) {
      this.say(i, 'hs.2.stale', { side, ack: seg.ack, seq: seg.seq, state });
    } else {
      this.say(i, 'hs.2', {
        side,
        peer: peerName,
        ack: this.num(a, peer, seg.ack),
        seq: this.num(a, me, seg.seq),
        state,
      });
      const queue = state === 'SYN_RECEIVED' && !a.simultaneous ? this.queueParams(me) : undefined;
      if (queue) this.say(i, 'hs.queue', { side, ...queue });
    }
    return a;
  }

  private onRst(e: SegEvent, i: number, a: Attempt | undefined, key: string): void {
    const me = e.from;
    const side = this.side(me);
    const seq = this.num(a, me, e.seg.seq);
    const lastIn = this.lastDeliver.get(`${me}|${key}`);
    if (!e.conn) {
      const flags = lastIn ? lastIn.seg.flags.join(',') : '?';
      const tw = this.leftTimeWait.has(`${me}|${key}`);
      this.say(i, tw ? 'rst.noConnTw' : 'rst.noConn', { side, flags, seq });
    } else if (e.state === 'SYN_SENT' && lastIn && a && a.active === me) {
      this.say(i, 'rst.stale', {
        side,
        expected: this.num(a, me, (a.x + 1) >>> 0),
        got: lastIn.seg.ack,
        seq: e.seg.seq,
      });
    } else if (!lastIn || lastIn.t !== e.t) {
      const probes = this.probes.get(`${me}|${e.conn}`)?.n ?? 0;
      if (probes > 0) this.say(i, 'rst.keepalive', { side, peer: this.side(e.to), n: probes, seq });
      else {
        const app = this.abortedAt.has(`${me}|${e.conn}|${e.t}`);
        this.say(i, app ? 'rst.abortApp' : 'rst.abort', { side, seq });
        this.sayAbortFlags(e, i, a);
      }
    } else {
      this.say(i, 'rst.other', { side, seq });
    }
  }

  /**
   * The profiles differ in an abort's flags: Linux's tcp_send_active_reset sets ACK, RFC 9293
   * §3.10.5 sends <SEQ=SND.NXT><CTL=RST>. Said from the flags the RST really carries.
   */
  private sayAbortFlags(e: SegEvent, i: number, a: Attempt | undefined): void {
    if (e.seg.flags.includes('ACK')) this.say(i, 'rst.abortWithAck', { ack: this.num(a, e.to, e.seg.ack) });
    else this.say(i, 'rst.abortBare', {});
  }

  /**
   * What a SYN cookie encodes, once per run for the layout and once for each case of the
   * timestamp: Linux's (net/ipv4/syncookies.c), whose TSval keeps the options when the SYN had
   * timestamps, or RFC 4987's, which keeps only the MSS. Said from the SYN-ACK really sent.
   */
  private sayCookieLayout(e: SegEvent, i: number): void {
    if (this.cookieLayout === 'rfc4987') this.sayOnce('cookie.layout', i, 'cookie.rfc4987', {});
    if (this.cookieLayout !== 'linux') return;
    this.sayOnce('cookie.layout', i, 'cookie.linux', {});
    if (e.seg.opts?.ts) this.sayOnce('cookie.ts', i, 'cookie.linuxTs', {});
    else this.sayOnce('cookie.noTs', i, 'cookie.linuxNoTs', {});
  }

  private onFin(e: SegEvent, i: number, a: Attempt | undefined): void {
    const seg = e.seg;
    const me = e.from;
    const peer = e.to;
    const side = this.side(me);
    const peerName = this.side(peer);
    const seq = this.num(a, me, seg.seq);
    const ackText = this.num(a, peer, seg.ack);
    const state = e.state ?? '?';
    if (!a) {
      this.say(i, 'close.1', { side, seq, ack: ackText, state });
      return;
    }
    const finSeq = (seg.seq + seg.len) >>> 0;
    if (e.retransmit || a.fin.get(me) === finSeq) {
      this.say(i, 'fin.retx', { side, seq, ack: ackText });
      return;
    }
    a.fin.set(me, finSeq);
    a.finOrder.push(me);
    if (a.finOrder.length === 1) {
      if (seg.len > 0) this.say(i, 'close.1.data', { side, len: seg.len, seq, ack: ackText, state });
      else this.say(i, 'close.1', { side, seq, ack: ackText, state });
      return;
    }
    const peerFin = a.fin.get(peer);
    if (state === 'FIN_WAIT_1') {
      this.say(i, 'close.sim', { side, peer: peerName, seq, ack: ackText, state });
    } else if ((a.finAcks.get(me) ?? 0) === 0 && peerFin !== undefined && seg.ack === (peerFin + 1) >>> 0) {
      a.finAcks.set(me, 1);
      this.say(i, 'close.23', { side, ack: ackText, seq, state });
    } else {
      this.say(i, 'close.3', { side, seq, ack: ackText, state });
    }
  }

  /**
   * A sender's congestion state (Linux tcp_ca_state) when it changes: Disorder once per connection
   * (it comes and goes with every reordering), Recovery, Loss and CWR each time, and the return to
   * Open from any of those three. cwnd steps alone are not narrated.
   */
  private onCongestion(e: CcEvent, i: number): void {
    const key = `${e.endpoint}|${e.conn}`;
    const from = this.ccState.get(key) ?? 'Open';
    this.ccState.set(key, e.state);
    if (from === e.state) return;
    const side = this.side(e.endpoint);
    const ssthresh = e.ssthresh >= INFINITE_SSTHRESH ? '∞' : e.ssthresh;
    const params = { side, cwnd: e.cwnd, ssthresh };
    switch (e.state) {
      case 'Disorder':
        this.sayOnce(`disorder|${key}`, i, 'cc.disorder', { side });
        return;
      case 'Recovery':
        this.say(i, 'cc.recovery', params);
        return;
      case 'Loss':
        this.say(i, 'cc.loss', params);
        return;
      case 'CWR':
        this.say(i, 'cc.cwr', { side, cwnd: e.cwnd });
        return;
      case 'Open':
        if (from !== 'Disorder')
          this.say(i, 'cc.open', {
            ...params,
            from: this.lang === 'zh' ? (ZH_CC_STATES[from] ?? from) : from,
          });
        return;
    }
  }

  private onData(e: SegEvent, i: number, a: Attempt | undefined): void {
    const seg = e.seg;
    const me = e.from;
    const side = this.side(me);
    const seq = this.num(a, me, seg.seq);
    const max = a?.sentMax.get(me);
    if (e.retransmit || e.cause || (max !== undefined && seqDiff(seg.seq, max) < 0)) {
      // What triggered it, when the sender said (the timer's own narration precedes an RTO resend).
      const key = e.cause === 'fast' ? 'data.retx.fast' : e.cause === 'tlp' ? 'data.retx.tlp' : 'data.retx';
      this.say(i, key, { side, len: seg.len, seq });
    } else if (e.state === 'CLOSE_WAIT') {
      this.say(i, 'data.halfClose', { side, peer: this.side(e.to), len: seg.len, seq });
    } else {
      const base = a ? (me === a.active ? a.x : me === a.passive ? a.y : undefined) : undefined;
      const first = base === undefined ? '?' : seqDiff(seg.seq, base);
      const last = base === undefined ? '?' : seqDiff(seg.seq, base) + seg.len - 1;
      this.say(i, 'data.send', { side, len: seg.len, seq, first, last });
    }
  }

  private onAck(e: SegEvent, i: number, a: Attempt | undefined, key: string): void {
    const seg = e.seg;
    const me = e.from;
    const peer = e.to;
    const side = this.side(me);
    const peerName = this.side(peer);
    const ackText = this.num(a, peer, seg.ack);
    const seqText = this.num(a, me, seg.seq);
    const state = e.state ?? '?';
    const peerFin = a?.fin.get(peer);
    if (a && peerFin !== undefined && seg.ack === (peerFin + 1) >>> 0) {
      const n = a.finAcks.get(me) ?? 0;
      a.finAcks.set(me, n + 1);
      if (n === 0 && state === 'CLOSING') {
        this.say(i, 'close.simAck', { side, peer: peerName, ack: ackText, state });
      } else if (n === 0 && a.finOrder[0] === peer) {
        this.say(i, 'close.2', { side, peer: peerName, ack: ackText, seq: seqText });
      } else if (n === 0) {
        this.say(i, 'close.4', { side, peer: peerName, ack: ackText, seq: seqText });
      } else if (state === 'TIME_WAIT') {
        this.say(i, 'close.reack', { side, peer: peerName, ack: ackText });
      } else {
        this.say(i, 'ack.plain', { side, seq: seqText, ack: ackText });
      }
      return;
    }
    const lastIn = this.lastDeliver.get(`${me}|${key}`);
    const now = lastIn && lastIn.t === e.t ? lastIn : undefined;
    const sent = a?.sentMax.get(me);
    if (now?.seg.flags.includes('SYN') && SYNCHRONIZED.has(state)) {
      this.say(i, 'ack.challenge', { side, state, ack: ackText });
    } else if (
      now?.seg.flags.includes('ACK') &&
      !now.seg.flags.includes('SYN') &&
      sent !== undefined &&
      seqDiff(now.seg.ack, sent) > 0
    ) {
      this.say(i, 'ack.unsent', { side, inAck: now.seg.ack, seq: seqText, ack: ackText });
    } else if (now && now.seg.len > 0 && a?.lastAck.get(me) === seg.ack) {
      this.say(i, 'ack.dup', { side, ack: ackText, inSeq: this.num(a, peer, now.seg.seq) });
    } else {
      const base = a ? (peer === a.active ? a.x : peer === a.passive ? a.y : undefined) : undefined;
      const bytes = base === undefined ? -1 : seqDiff(seg.ack, base) - 1;
      if (bytes > 0) this.say(i, 'ack.data', { side, peer: peerName, ack: ackText, bytes });
      else this.say(i, 'ack.plain', { side, seq: seqText, ack: ackText });
    }
  }

  private onDeliver(e: SegEvent, i: number): void {
    const seg = e.seg;
    const key = dialogKey(e.from, seg.srcPort, e.to, seg.dstPort);
    this.lastDeliver.set(`${e.endpoint}|${key}`, e);
    const sentIn = this.sendAttempt.get(e.id);
    const dialog = this.dialogs.get(key);
    const current = dialog?.attempts[dialog.attempts.length - 1];
    if (!sentIn || !current || sentIn === current || seg.len === 0) return;
    // Sent by an earlier incarnation of this 4-tuple, delivered into the current one.
    const sent = this.time(this.sendTime.get(e.id) ?? e.t);
    let accepted = false;
    for (let j = i + 1; j < this.trace.length && this.trace[j].t === e.t; j++) {
      const next = this.trace[j];
      if (next.kind === 'app' && next.endpoint === e.endpoint && next.event === 'data') accepted = true;
    }
    if (accepted) {
      this.say(i, 'deliver.oldAccepted', {
        sent,
        seq: seg.seq,
        len: seg.len,
        side: this.side(e.to),
        peer: this.side(e.from),
      });
    } else {
      this.say(i, 'deliver.old', { sent, seq: seg.seq, len: seg.len });
    }
  }

  private onHostDrop(e: SegEvent, i: number): void {
    const side = this.side(e.endpoint);
    const reason = String(e.reason);
    if (reason === 'syn-queue-full') {
      const n = [...this.connState.entries()].filter(
        ([k, s]) => k.startsWith(`${e.endpoint}|`) && s === 'SYN_RECEIVED',
      ).length;
      const params = { side, n, from: this.side(e.from) };
      if (IPV4.test(e.from)) this.sayOnce('drop.synQueue', i, 'drop.synQueue', params);
      else this.say(i, 'drop.synQueue', params);
    } else if (reason === 'accept-queue-full') {
      this.say(i, 'drop.acceptQueue', { side, from: this.side(e.from) });
    } else if (reason.startsWith('syncookie')) {
      this.say(i, 'drop.cookie', { side, reason });
    } else {
      this.say(i, 'drop.other', { side, flags: e.seg.flags.join(','), reason });
    }
  }

  private onState(e: StateEvent, i: number): void {
    const connKey = `${e.endpoint}|${e.conn}`;
    this.connState.set(connKey, e.to);
    if (e.to === 'CLOSED') this.closedFrom.set(connKey, e.from);
    if (this.spoofedConns.has(connKey)) return;
    const key = this.connDialog.get(connKey) ?? this.dialogOfSilentConn(e);
    const dialog = key ? this.dialogs.get(key) : undefined;
    const a = dialog?.attempts[dialog.attempts.length - 1];
    const me = e.endpoint;
    const side = this.side(me);
    const peerId = a ? (a.active === me ? a.passive : a.active) : undefined;
    const peer = peerId ? this.side(peerId) : '?';
    const lastIn = key ? this.lastDeliver.get(`${me}|${key}`) : undefined;
    const now = lastIn && lastIn.t === e.t ? lastIn : undefined;
    const ackOfMine = now ? this.num(a, me, now.seg.ack) : '?';

    if (e.to === 'CLOSED' && now?.seg.flags.includes('RST')) {
      if (e.from === 'SYN_RECEIVED') this.say(i, 'rst.recvHalfOpen', { side });
      else if (e.from === 'SYN_SENT') this.say(i, 'rst.refused', { side });
      else if (this.appErrorFollows(e, i)) this.say(i, 'rst.recv', { side, from: e.from });
      else this.say(i, 'rst.recvQuiet', { side, from: e.from });
      return;
    }
    if (e.from === 'SYN_RECEIVED' && e.to === 'ESTABLISHED') {
      this.say(i, a?.simultaneous ? 'simopen.done' : 'hs.done', { side, peer, ack: ackOfMine });
      const queue = a?.simultaneous ? undefined : this.queueParams(me);
      if (queue) this.say(i, 'hs.queueDone', { side, ...queue });
    } else if (e.from === 'LISTEN' && e.to === 'ESTABLISHED' && now && !now.seg.flags.includes('SYN')) {
      this.say(i, 'hs.cookieOk', { side, ack: ackOfMine });
      // Linux: the options come back from the TSecr the ACK echoes, or not at all.
      if (this.cookieLayout === 'linux')
        this.say(i, now.seg.opts?.ts ? 'cookie.restored' : 'cookie.noOptions', { side });
    } else if (e.to === 'CLOSE_WAIT') {
      this.say(i, 'close.recvFin', { side, peer });
    } else if (e.from === 'FIN_WAIT_1' && e.to === 'FIN_WAIT_2') {
      this.say(i, 'close.fw2', { side, peer });
    } else if (e.to === 'TIME_WAIT') {
      this.twEntry.set(connKey, e.t);
      const wait = this.timeWaitLength(connKey, e.t, e.t);
      if (wait === undefined) this.say(i, 'close.twOpen', { side });
      else if (wait === 0) this.say(i, 'close.twNone', { side, wait: this.duration(0) });
      else this.say(i, 'close.tw', { side, wait: this.duration(wait) });
    } else if (e.from === 'TIME_WAIT' && e.to === 'CLOSED') {
      if (key) this.leftTimeWait.add(`${me}|${key}`);
      const wait = this.timeWaitLength(connKey, this.twEntry.get(connKey) ?? e.t, e.t) ?? 0;
      if (wait === 0) this.say(i, 'close.twEndNone', { side });
      else this.say(i, 'close.twEnd', { side, wait: this.duration(wait) });
    } else if (e.from === 'LAST_ACK' && e.to === 'CLOSED') {
      this.say(i, 'close.lastAck', { side, ack: ackOfMine });
    }
  }

  /** Is this state change followed (same instant) by an application error on the connection? */
  private appErrorFollows(e: StateEvent, i: number): boolean {
    for (let j = i + 1; j < this.trace.length && this.trace[j].t === e.t; j++) {
      const n = this.trace[j];
      if (n.kind === 'app' && n.endpoint === e.endpoint && n.conn === e.conn && n.event === 'error')
        return true;
    }
    return false;
  }

  /**
   * The dialog of a connection that has sent nothing yet (e.g. one rebuilt from a SYN cookie):
   * from its id `<local port>-<remote address>:<remote port>` and the segment that just arrived.
   */
  private dialogOfSilentConn(e: StateEvent): string | undefined {
    const m = /^(\d+)-[^:]+:(\d+)/.exec(e.conn);
    if (!m) return undefined;
    const [local, remote] = [Number(m[1]), Number(m[2])];
    for (const d of this.lastDeliver.values()) {
      if (d.endpoint === e.endpoint && d.t === e.t && d.seg.dstPort === local && d.seg.srcPort === remote) {
        const key = dialogKey(d.from, d.seg.srcPort, d.to, d.seg.dstPort);
        this.connDialog.set(`${e.endpoint}|${e.conn}`, key);
        return key;
      }
    }
    return undefined;
  }

  /**
   * How long the TIME_WAIT entered at `entry` lasts from its last (re)start (each ACK sent from
   * TIME_WAIT restarts the 2MSL timer), or undefined when the run ends first.
   */
  private timeWaitLength(connKey: string, entry: number, at: number): number | undefined {
    const end = this.twClosed.get(connKey)?.find((c) => c >= at);
    if (end === undefined) return undefined;
    const restarts = (this.twSends.get(connKey) ?? []).filter((s) => s >= entry && s <= end);
    return end - Math.max(entry, ...restarts);
  }

  private onTimer(e: TimerEvent, i: number): void {
    const connKey = `${e.endpoint}|${e.conn}`;
    const side = this.side(e.endpoint);
    const n = Number(e.count ?? 0);
    this.timerCount.set(connKey, n);
    const next = Number(e.rto ?? 0);
    if (this.spoofedConns.has(connKey)) {
      this.sayOnce('flood.timer', i, 'flood.timer', { side, n });
      return;
    }
    // The segment this timer retransmits follows it; find when that segment was last sent.
    let retx: SegEvent | undefined;
    for (let j = i + 1; j < this.trace.length; j++) {
      const c = this.trace[j];
      if (c.kind === 'send' && c.from === e.endpoint && c.conn === e.conn) {
        retx = c;
        break;
      }
    }
    const previous = retx
      ? findLast(
          this.history.get(connKey) ?? [],
          (h) =>
            h.seq === retx.seg.seq &&
            h.syn === retx.seg.flags.includes('SYN') &&
            h.fin === retx.seg.flags.includes('FIN'),
        )
      : undefined;
    const expired =
      n >= 2 && this.timerRto.has(connKey)
        ? (this.timerRto.get(connKey) as number)
        : previous
          ? e.t - previous.t
          : next;
    this.timerRto.set(connKey, next);
    const params = {
      what: this.what(String(e.retransmitKind ?? 'data')),
      rto: this.duration(expired),
      side,
      n,
      next: this.duration(next),
    };
    const rst = previous && this.rearmedBy(connKey, previous.t, e.t);
    if (rst !== undefined) this.say(i, 'timer.rearmed', { ...params, rto: this.duration(e.t - rst) });
    else if (previous && this.lost.has(previous.id)) this.say(i, 'timer.lost', params);
    else if (previous && retx && this.answerLost(retx, previous.t, e.t))
      this.say(i, 'timer.answerLost', params);
    else this.say(i, 'timer.noAck', params);
  }

  /**
   * The RST sent from SYN_SENT in (from, to] after which the SYN timer fired sooner than any RTO
   * could (Linux TCP_RTO_MIN is 200 ms): tcp_rcv_synsent_state_process re-armed it to
   * TCP_TIMEOUT_MIN on the unacceptable ACK. Undefined when the timer ran its normal course.
   */
  private rearmedBy(connKey: string, from: number, to: number): number | undefined {
    if (to - from >= RTO_MIN_MS) return undefined;
    return findLast(this.synSentRsts.get(connKey) ?? [], (t) => t > from && t <= to);
  }

  /** Did the peer send something back on this dialog in (from, to] that the network lost? */
  private answerLost(segment: SegEvent, from: number, to: number): boolean {
    for (const e of this.trace) {
      if (e.t > to) break;
      if (
        e.kind === 'send' &&
        e.t > from &&
        e.from === segment.to &&
        e.to === segment.from &&
        e.seg.srcPort === segment.seg.dstPort &&
        e.seg.dstPort === segment.seg.srcPort &&
        this.lost.has(e.id)
      ) {
        return true;
      }
    }
    return false;
  }

  private onApp(e: AppEvent, i: number): void {
    const side = this.side(e.endpoint);
    const connKey = `${e.endpoint}|${e.conn}`;
    if (e.event === 'syn-flood') {
      this.say(i, this.cookiesAnswered ? 'flood.startCookies' : 'flood.start', {
        side,
        count: String(e.count),
        interval: String(e.interval ?? 1),
      });
    } else if (e.event === 'restart') {
      this.say(i, 'app.restart', { side });
    } else if (e.event === 'isn-guess') {
      this.isnGuess.set(e.endpoint, e);
      const { observed, guess, spoofed } = e;
      this.say(i, 'spoof.guess', {
        side,
        observed: String(observed),
        rate: String(e.perSecond),
        guess: String(guess),
        spoofed: String(spoofed),
      });
    } else if (e.event === 'closed' && e.reason === 'timeout') {
      if (this.spoofedConns.has(connKey)) {
        const life = this.halfOpenLifetime(connKey, e.t);
        if (life) this.sayOnce('flood.expire', i, 'flood.expireLife', { side, ...life });
        else this.sayOnce('flood.expire', i, 'flood.expire', { side });
      } else if (this.closedFrom.get(connKey) === 'SYN_SENT') {
        const syns = (this.history.get(connKey) ?? []).filter((h) => h.syn).length;
        this.say(i, 'close.connectTimeout', { side, n: syns });
      } else if (this.probes.has(connKey)) {
        this.say(i, 'close.keepalive', { side, n: this.probes.get(connKey)?.n ?? 0 });
      } else {
        this.say(i, 'close.timeout', { side, n: this.timerCount.get(connKey) ?? 0 });
      }
    }
  }
}

const KNOWN_WHAT: Record<string, true> = {
  'what.SYN': true,
  'what.SYN-ACK': true,
  'what.FIN': true,
  'what.data': true,
  'what.probe': true,
  'what.ACK': true,
  'what.RST': true,
};

function segmentKind(seg: SegEvent['seg']): string {
  const f = seg.flags;
  if (f.includes('RST')) return 'RST';
  if (f.includes('SYN')) return f.includes('ACK') ? 'SYN-ACK' : 'SYN';
  if (f.includes('FIN')) return 'FIN';
  if (seg.len > 0) return 'data';
  return 'ACK';
}

function trimNumber(n: number): string {
  return String(Number.isInteger(n) ? n : Number(n.toFixed(3)));
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function findLast<T>(list: readonly T[], pred: (item: T) => boolean): T | undefined {
  for (let i = list.length - 1; i >= 0; i--) if (pred(list[i])) return list[i];
  return undefined;
}
