/**
 * Renders a trace as a terminal ladder (sequence) diagram: one lane per
 * endpoint, one line per event, arrows carrying flags and relative seq/ack
 * (like Wireshark), absolute numbers, length and window beside them, state
 * changes in the endpoint's lane, drops cut the arrow short.
 */
import { INFINITE_SSTHRESH } from '@synack/core';
import type { TraceEvent } from '@synack/network';
import { createColors } from 'picocolors';
import type { Annotate, Lang } from './explain/index.js';
import { foldItems, foldSpoofed, spoofedEvents } from './ladder-fold.js';
import { displayWidth, LADDER_TEXT, type LadderText, StateNamer } from './ladder-text.js';
import { DEFAULT_COMPACT_WIDTH, wrapToWidth } from './terminal-width.js';

type SegmentEvent = Extract<TraceEvent, { kind: 'send' | 'drop' | 'duplicate' | 'deliver' }>;

export interface LadderOptions {
  color?: boolean;
  /** Endpoint ids in lane order (default: order of first appearance). */
  endpoints?: string[];
  /** Extra lines to print under a given trace event (narration). */
  annotate?: Annotate;
  laneWidth?: number;
  /** Language of the ladder's own words (flags, state names and numbers stay as they are). */
  lang?: Lang;
  /**
   * Compact layout for a narrow terminal: no absolute numbers, window or options after the
   * arrows, a narrower time column and lanes, and every row, lane text and narration line
   * wrapped to {@link width} columns.
   */
  compact?: boolean;
  /** Columns the compact layout fits in (default {@link DEFAULT_COMPACT_WIDTH}). */
  width?: number;
  /** Fold runs of repeated rows into one `… N more …` line (ladder-fold.ts). */
  fold?: boolean;
  /** Mark each TIME_WAIT period with one `… TIME_WAIT 60 s skipped …` line where it ends. */
  skipTimeWait?: boolean;
}

const TIME_WIDTH = 11;
/** Compact layout: columns kept right of the last lane for its texts and the marks after an arrow. */
const COMPACT_RIGHT_ROOM = 30;
/** Compact layout: lanes no narrower than this (a SYN arrow and its label), no wider than the wide layout's. */
const COMPACT_LANE = { min: 14, max: 46 } as const;
/** Compact layout: marks with less room than this after an arrow go on the row below, right-aligned. */
const MIN_TEXT_COLUMNS = 16;

/**
 * Relative sequence numbers (as Wireshark shows them), owned by connections: a segment's seq is
 * counted from the ISN of the connection that sent it, its ack from the ISN that connection
 * learnt for its peer, both modulo 2^32 (RFC 9293 §3.4: sequence space arithmetic), so never
 * negative. A number outside the owner's sequence space (an RST whose seq is copied from an
 * unacceptable ACK, RFC 9293 §3.10.7.3) or a segment no connection owns (a flood SYN, a
 * stateless SYN-cookie SYN-ACK, an injected old duplicate) keeps its absolute value, marked
 * with {@link ABSOLUTE_MARK} so that it is never read as an offset.
 */
export class RelativeSeq {
  /** endpoint|conn → the connection's own ISN, its peer's ISN, the end of what it has sent. */
  private readonly conns = new Map<string, { isn?: number; peerIsn?: number; sentEnd: number }>();
  /** from:port>to:port → seq of the last SYN sent that way (by anyone, owned or not). */
  private readonly lastSyn = new Map<string, number>();
  /** packet id → its relative numbers at send time (a duplicate is drawn like its original). */
  private readonly byPacket = new Map<number, { seq?: number; ack?: number }>();

  /** Books a sent segment (call once per `send`, in trace order, before {@link seq}/{@link ack}). */
  observe(e: SegmentEvent): void {
    if (e.kind !== 'send') return;
    const seg = e.seg;
    const syn = seg.flags.includes('SYN');
    if (syn) this.lastSyn.set(directionKey(e.from, seg.srcPort, e.to, seg.dstPort), seg.seq);
    const conn = e.conn === undefined ? undefined : this.connection(`${e.from}|${e.conn}`);
    if (conn) {
      if (syn && conn.isn !== seg.seq)
        Object.assign(conn, { isn: seg.seq, peerIsn: undefined, sentEnd: seg.seq });
      if (conn.isn === undefined) {
        // Opened without a SYN of its own in the trace (a SYN cookie's ACK created it, Linux
        // cookie_v4_check): its ISN is the one of the stateless SYN-ACK sent that way.
        const isn = this.lastSyn.get(directionKey(e.from, seg.srcPort, e.to, seg.dstPort));
        if (isn !== undefined) Object.assign(conn, { isn, sentEnd: (isn + 1) >>> 0 });
      }
      if (conn.isn !== undefined && seg.flags.includes('ACK') && conn.peerIsn === undefined) {
        // A SYN-ACK acknowledges exactly the peer's SYN (RFC 9293 §3.5); otherwise the peer's
        // ISN is that of the last SYN that came the other way.
        conn.peerIsn = syn
          ? (seg.ack - 1) >>> 0
          : this.lastSyn.get(directionKey(e.to, seg.dstPort, e.from, seg.srcPort));
      }
    }
    const numbers = this.relative(e, conn);
    this.byPacket.set(e.id, numbers);
    // Only a segment numbered in the connection's own space moves its end (an RST carrying the
    // peer's ack as its seq does not).
    if (conn && conn.isn !== undefined && numbers.seq !== undefined) {
      const end = (seg.seq + seg.len + (syn ? 1 : 0) + (seg.flags.includes('FIN') ? 1 : 0)) >>> 0;
      if (offset(end, conn.isn) > offset(conn.sentEnd, conn.isn)) conn.sentEnd = end;
    }
  }

  /** The seq relative to the owner's ISN, or undefined when no connection owns it. */
  seq(e: SegmentEvent): number | undefined {
    return this.numbers(e).seq;
  }

  /** The ack relative to the owner's peer ISN, or undefined when no connection owns it. */
  ack(e: SegmentEvent): number | undefined {
    return this.numbers(e).ack;
  }

  /** `seq=…` (and `ack=…` when the ACK flag is set): relative, or absolute and marked. */
  label(e: SegmentEvent, mark = ABSOLUTE_MARK): string {
    const shown = (rel: number | undefined, abs: number) =>
      rel === undefined ? `${mark}${abs}` : String(rel);
    const ack = e.seg.flags.includes('ACK') ? ` ack=${shown(this.ack(e), e.seg.ack)}` : '';
    return `seq=${shown(this.seq(e), e.seg.seq)}${ack}`;
  }

  private numbers(e: SegmentEvent): { seq?: number; ack?: number } {
    const original = e.kind === 'duplicate' && e.duplicateOf !== undefined ? e.duplicateOf : e.id;
    return this.byPacket.get(original) ?? {};
  }

  private connection(key: string): { isn?: number; peerIsn?: number; sentEnd: number } {
    let conn = this.conns.get(key);
    if (!conn) {
      conn = { sentEnd: 0 };
      this.conns.set(key, conn);
    }
    return conn;
  }

  private relative(
    e: SegmentEvent,
    conn: { isn?: number; peerIsn?: number; sentEnd: number } | undefined,
  ): { seq?: number; ack?: number } {
    if (!conn || conn.isn === undefined) return {};
    const seq = offset(e.seg.seq, conn.isn);
    const inOwnSpace = seq <= offset(conn.sentEnd, conn.isn);
    const ack = conn.peerIsn === undefined ? undefined : offset(e.seg.ack, conn.peerIsn);
    return {
      seq: inOwnSpace ? seq : undefined,
      // Half the sequence space ahead at most (RFC 1982 serial number arithmetic); beyond that
      // the ack is not a number in the peer's space as this connection knows it.
      ack: ack !== undefined && ack < 0x8000_0000 ? ack : undefined,
    };
  }
}

/** Prefix of a sequence or acknowledgment number shown absolute in a relative column. */
export const ABSOLUTE_MARK = 'abs:';

function directionKey(from: string, srcPort: number, to: string, dstPort: number): string {
  return `${from}:${srcPort}>${to}:${dstPort}`;
}

/** `value - base` modulo 2^32, in [0, 2^32). */
function offset(value: number, base: number): number {
  return (value - base) >>> 0;
}

export function formatTime(t: number): string {
  return `${(t / 1000).toFixed(3)} s`;
}

/** The endpoints of a trace in order of first appearance (client and server first when present). */
export function traceEndpoints(trace: readonly TraceEvent[]): string[] {
  const seen: string[] = [];
  const add = (id: string | undefined) => {
    if (id && id !== '*' && !seen.includes(id)) seen.push(id);
  };
  const summary = trace.find((e) => e.kind === 'summary');
  if (summary && summary.kind === 'summary') Object.keys(summary.final).forEach(add);
  for (const e of trace) add(e.endpoint);
  const preferred = ['client', 'server', 'attacker'].filter((id) => seen.includes(id));
  return [...preferred, ...seen.filter((id) => !preferred.includes(id))];
}

export function renderLadder(trace: readonly TraceEvent[], options: LadderOptions = {}): string {
  const ladder = new Ladder(trace, options);
  const items: string[] = [];
  const spoofedItems: boolean[] = [];
  const spoofed = spoofedEvents(trace as never);
  trace.forEach((e, index) => {
    const item = ladder.eventItem(e, options.annotate?.(e, index));
    if (item === undefined) return;
    items.push(item);
    spoofedItems.push(spoofed[index]);
  });
  return ladder.render(items, options.fold === true, spoofedItems);
}

type Colors = ReturnType<typeof createColors>;
type ArrowMode = 'send' | 'drop' | 'duplicate';

/** The layout of one ladder (lanes, colours) and the bookkeeping its rows need (ISNs, losses). */
export class Ladder {
  private readonly c: Colors;
  private readonly endpoints: string[];
  private readonly lane: number;
  private readonly laneOf: Map<string, number>;
  private readonly width: number;
  private readonly rel = new RelativeSeq();
  /** Network drops: packet id → reason. */
  private readonly lost = new Map<number, string>();
  /** endpoint|conn → its last congestion state, so only changes are drawn. */
  private readonly congestionState = new Map<string, string>();
  private readonly text: LadderText;
  private readonly states: StateNamer;
  private readonly compact: boolean;
  /** Columns a compact ladder fits in (no limit in the wide layout). */
  private readonly maxWidth: number;
  private readonly timeWidth: number;
  private readonly skipTimeWait: boolean;
  /** endpoint|conn → when it entered TIME_WAIT (for --skip-time-wait). */
  private readonly timeWaitSince = new Map<string, number>();

  constructor(trace: readonly TraceEvent[], options: LadderOptions) {
    this.c = createColors(options.color ?? false);
    this.text = LADDER_TEXT[options.lang ?? 'en'];
    this.states = new StateNamer(options.lang ?? 'en');
    this.endpoints = options.endpoints ?? traceEndpoints(trace);
    this.compact = options.compact ?? false;
    this.skipTimeWait = options.skipTimeWait ?? false;
    this.maxWidth = this.compact ? (options.width ?? DEFAULT_COMPACT_WIDTH) : Number.POSITIVE_INFINITY;
    this.timeWidth = this.compact
      ? Math.max(displayWidth(this.text.compactTime), this.seconds(trace.at(-1)?.t ?? 0).length)
      : TIME_WIDTH;
    this.lane = options.laneWidth ?? this.laneWidthFor(this.endpoints.length);
    this.laneOf = new Map(this.endpoints.map((id, i) => [id, i]));
    this.width = this.center(this.endpoints.length - 1) + 2;
    for (const e of trace) if (e.kind === 'drop' && e.id !== 0) this.lost.set(e.id, String(e.reason));
  }

  /** The wide layout's lanes; in the compact one, what leaves room right of the last lane. */
  private laneWidthFor(lanes: number): number {
    if (!this.compact) return lanes > 2 ? 34 : 46;
    const free = this.maxWidth - this.timeWidth - 2 - COMPACT_RIGHT_ROOM;
    const lane = Math.floor(free / Math.max(1, lanes - 1));
    return Math.min(COMPACT_LANE.max, Math.max(COMPACT_LANE.min, lane));
  }

  private center(i: number): number {
    return this.timeWidth + 2 + i * this.lane;
  }

  /** A time as the time column shows it (the compact column has its unit in the heading). */
  private seconds(t: number): string {
    return this.compact ? this.text.compactSeconds(t) : this.text.seconds(t);
  }

  /** Endpoint names over their lanes. */
  header(): string {
    // Lanes are laid out in single-width columns; the heading of the time column may be wide.
    let lanes = '';
    this.endpoints.forEach((id, i) => {
      lanes = placeAt(lanes, this.center(i) - this.timeWidth - 2, id);
    });
    const time = this.compact ? this.text.compactTime : this.text.time;
    return this.c.bold(
      `${' '.repeat(Math.max(0, this.timeWidth - displayWidth(time)))}${time}  ${lanes}`.trimEnd(),
    );
  }

  /** `text` in a lane at time `t`, in bold: a folded group's row (group-view.ts). */
  laneText(t: number, lane: string, text: string): string {
    return this.stateLine(t, lane, text, this.c.bold);
  }

  /** One event's row and its narration lines, or undefined when it draws nothing. */
  eventItem(e: TraceEvent, notes: readonly string[] | undefined): string | undefined {
    const line = this.eventLine(e);
    const rows = [...(line === undefined ? [] : [line]), ...(notes ?? []).map((n) => this.noteLine(n))];
    return rows.length > 0 ? rows.join('\n') : undefined;
  }

  /**
   * The heading and the items (events, group rows), folded if asked: a ladder with spoofed
   * traffic (`spoofed[i]`, a flood) folds that traffic around the real connections' items;
   * any other folds runs of repeated blocks.
   */
  render(items: readonly string[], fold: boolean, spoofed: readonly boolean[] = []): string {
    const foldLine = (n: number) => this.foldLine(n);
    const shown = !fold
      ? items
      : spoofed.some(Boolean)
        ? foldSpoofed(items, spoofed, foldLine)
        : foldItems(items, foldLine);
    return `${[this.header(), ...shown].join('\n')}\n`;
  }

  /** With skipTimeWait, the line before a connection leaves TIME_WAIT, saying how long it was there. */
  private timeWaitSkipped(e: Extract<TraceEvent, { kind: 'state' }>): string | undefined {
    if (!this.skipTimeWait) return undefined;
    const key = `${e.endpoint}|${e.conn}`;
    if (e.to === 'TIME_WAIT') this.timeWaitSince.set(key, e.t);
    const since = this.timeWaitSince.get(key);
    if (e.from !== 'TIME_WAIT' || since === undefined || e.t <= since) return undefined;
    return `${' '.repeat(this.timeWidth + 2)}${this.c.dim(this.text.timeWaitSkipped(e.t - since))}`;
  }

  /** The line standing for `hidden` folded events. */
  foldLine(hidden: number): string {
    return `${' '.repeat(this.timeWidth + 2)}${this.c.dim(this.text.folded(hidden))}`;
  }

  /** A narration line under a step (in the compact layout wrapped, continuation lines indented). */
  noteLine(note: string): string {
    const indent = ' '.repeat(this.timeWidth + 2);
    if (!this.compact) return `${indent}${this.c.magenta(`» ${note}`)}`;
    return wrapToWidth(note, this.maxWidth - indent.length - 2)
      .map((line, i) => `${indent}${this.c.magenta(`${i === 0 ? '»' : ' '} ${line}`)}`)
      .join('\n');
  }

  /** The row of one trace event, or undefined for an event the ladder does not show. */
  eventLine(e: TraceEvent): string | undefined {
    const c = this.c;
    switch (e.kind) {
      case 'state': {
        const row = this.stateLine(
          e.t,
          e.endpoint,
          `${this.states.name(e.from)} → ${this.states.name(e.to)}`,
          c.cyan,
        );
        const skipped = this.timeWaitSkipped(e);
        return skipped === undefined ? row : `${skipped}\n${row}`;
      }
      case 'send':
      case 'duplicate':
        this.rel.observe(e);
        return this.arrowLine(
          e,
          e.kind === 'duplicate' ? 'duplicate' : this.lost.has(e.id) ? 'drop' : 'send',
        );
      case 'drop':
        // Dropped on arrival by the host itself (SYN queue full, accept queue full). A segment the
        // network lost is drawn once, at its send time, as an arrow cut short where it died.
        if (e.id !== 0) return undefined;
        return this.stateLine(
          e.t,
          e.endpoint,
          this.text.hostDrop(e.seg.flags.join(','), String(e.reason)),
          c.red,
        );
      case 'timer':
        return this.stateLine(
          e.t,
          e.endpoint,
          this.text.timer(e.retransmitKind ?? '', String(e.count ?? '?'), Number(e.rto)),
          c.yellow,
        );
      case 'cc':
        return this.congestionLine(e);
      case 'app': {
        const text = this.text.app(e);
        return text ? this.stateLine(e.t, e.endpoint, text, c.dim) : undefined;
      }
      default:
        return undefined;
    }
  }

  /**
   * A connection's congestion state (Linux tcp_ca_state) when it changes: entering Recovery marks a
   * fast retransmit, Loss an RTO. cwnd and in-flight changes alone are not drawn (every ACK moves
   * them); the JSONL and the inspector's plot have them all.
   */
  private congestionLine(e: Extract<TraceEvent, { kind: 'cc' }>): string | undefined {
    const key = `${e.endpoint}|${e.conn}`;
    const previous = this.congestionState.get(key);
    this.congestionState.set(key, e.state);
    if (previous === e.state || (previous === undefined && e.state === 'Open')) return undefined;
    const ssthresh = e.ssthresh >= INFINITE_SSTHRESH ? '∞' : String(e.ssthresh);
    const text = this.text.congestion(previous ?? 'Open', e.state, e.cwnd, ssthresh, e.inFlight);
    return this.stateLine(e.t, e.endpoint, text, this.c.yellow);
  }

  /** `text` in the endpoint's lane, painted (in the compact layout wrapped to the width). */
  private stateLine(t: number, endpoint: string, text: string, paint: (s: string) => string): string {
    const i = this.laneOf.get(endpoint) ?? 0;
    const pieces = this.compact ? wrapToWidth(text, this.maxWidth - this.center(i)) : [text];
    return pieces
      .map((piece, n) => {
        const row = placeAt(this.lifelines(), this.center(i), piece);
        return paintRow(n === 0 ? this.withTime(t, row) : row, this.center(i), piece.length, paint).trimEnd();
      })
      .join('\n');
  }

  /** An empty row: lifelines (│) at every lane centre. */
  private lifelines(): string {
    return lifelines(this.endpoints.length, (j) => this.center(j), this.width);
  }

  /**
   * `arrowRow` with the marks after the arrow: on the same row when they fit, otherwise (compact
   * layout) wrapped on the rows below, after the arrow or, when too little room is left there,
   * from the first lane on.
   */
  private withDetails(arrowRow: string, details: string): string {
    const dim = this.c.dim;
    if (!details) return arrowRow.trimEnd();
    const arrowEnd = displayWidth(arrowRow.trimEnd());
    if (!this.compact) return `${arrowRow}  ${dim(details)}`;
    if (arrowEnd + 2 + displayWidth(details) <= this.maxWidth)
      return `${arrowRow.trimEnd()}  ${dim(details)}`;
    const room = this.maxWidth - arrowEnd - 2;
    const col =
      room >= MIN_TEXT_COLUMNS
        ? arrowEnd + 2
        : Math.max(this.center(0) + 2, this.maxWidth - displayWidth(details));
    const pieces = wrapToWidth(details, this.maxWidth - col);
    const below = pieces.map((piece) => {
      const row = placeAt(this.lifelines(), col, piece);
      return paintRow(row, col, piece.length, dim).trimEnd();
    });
    return col === arrowEnd + 2
      ? [`${arrowRow.trimEnd()}  ${dim(pieces[0])}`, ...below.slice(1)].join('\n')
      : [arrowRow.trimEnd(), ...below].join('\n');
  }

  /** A segment as an arrow between lanes, relative numbers on it, absolute ones after it. */
  private arrowLine(e: SegmentEvent, mode: ArrowMode): string {
    const a = this.laneOf.get(e.from);
    const b = this.laneOf.get(e.to);
    const flags = e.seg.flags.join(',');
    const relText = this.rel.label(e, this.text.absoluteMark);
    const label = ` ${flags} ${relText}${e.seg.len ? ` len=${e.seg.len}` : ''} `;
    const extra = this.segmentDetails(e, mode);
    const row = this.lifelines();
    if (a === undefined || b === undefined) {
      // Towards an address that is no endpoint (spoofed source): draw a stub off the sender's lane.
      const i = a ?? 0;
      // The compact layout cuts the label so that the stub and the address end within the width.
      const room = this.maxWidth - this.center(i) - displayWidth(`├──▷ ${e.to}`);
      const stub = `├─${this.compact ? fitLabel(label, room) : label}─▷ ${e.to}`;
      const drawn = this.paintArrow(
        this.withTime(e.t, placeAt(row, this.center(i), stub)),
        this.center(i),
        stub.length,
        mode,
      );
      return this.withDetails(drawn.trimEnd(), extra);
    }
    const left = Math.min(this.center(a), this.center(b));
    const arrow = arrowBetween(a < b, Math.max(this.center(a), this.center(b)) - left, label, mode);
    return this.withDetails(
      this.paintArrow(this.withTime(e.t, placeAt(row, left, arrow)), left, arrow.length, mode),
      extra,
    );
  }

  /**
   * What follows an arrow: absolute numbers, window, options (not in the compact layout), delay
   * and what befell the segment.
   */
  private segmentDetails(e: SegmentEvent, mode: ArrowMode): string {
    const abs = `${this.text.absolute} seq=${e.seg.seq}${e.seg.flags.includes('ACK') ? ` ack=${e.seg.ack}` : ''}`;
    const wide = !this.compact;
    return [
      wide ? abs : '',
      wide ? `${this.text.window}=${e.seg.win}` : '',
      wide && e.seg.mss !== undefined ? `mss=${e.seg.mss}` : '',
      'delay' in e && e.delay !== undefined ? this.text.delay(e.delay) : '',
      'retransmit' in e && (e.retransmit || e.cause) ? this.text.retransmit(e.cause) : '',
      'reordered' in e && e.reordered ? this.text.reordered : '',
      mode === 'duplicate' ? this.text.duplicateOf(String('duplicateOf' in e ? e.duplicateOf : '?')) : '',
      mode === 'drop' ? this.text.lost(this.lost.get(e.id) ?? 'loss') : '',
    ]
      .filter(Boolean)
      .join(' ');
  }

  /** Puts the time into the time column of a full-width row. */
  private withTime(t: number, row: string): string {
    return placeAt(row, 0, `${this.seconds(t).padStart(this.timeWidth)}  `);
  }

  private paintArrow(row: string, start: number, length: number, mode: ArrowMode): string {
    const paint = mode === 'drop' ? this.c.red : mode === 'duplicate' ? this.c.magenta : this.c.green;
    return paintRow(row, start, length, paint);
  }
}

/** An arrow `span` columns long with `label` centred on it; a lost one is cut short. */
function arrowBetween(rightwards: boolean, span: number, label: string, mode: ArrowMode): string {
  const shown = fitLabel(label, Math.max(0, span - 3));
  if (mode === 'drop') {
    // Cut short where the segment died (three quarters of the way, or just past the label, so
    // that the cut never eats into the label).
    const kept = Math.min(span, Math.max(Math.floor(span * 0.75), displayWidth(shown) + 2));
    const body = placeAt(
      '─'.repeat(kept - 1),
      Math.max(0, Math.floor((kept - 1 - displayWidth(shown)) / 2)),
      shown,
    );
    return rightwards ? `├${body}✕${' '.repeat(span - kept)}` : `${' '.repeat(span - kept)}✕${body}┤`;
  }
  const labelStart = Math.max(1, Math.floor((span - displayWidth(shown)) / 2));
  const body = placeAt('─'.repeat(Math.max(0, span - 1)), labelStart, shown);
  if (mode === 'duplicate') return rightwards ? `├${body}⇒` : `⇐${body}┤`;
  return rightwards ? `├${body}▶` : `◀${body}┤`;
}

/**
 * `label` cut to `width` columns at a word boundary with an ellipsis (never a word cut in two,
 * such as "ac" for "ack=…"); the absolute numbers after the arrow still show everything.
 */
export function fitLabel(label: string, width: number): string {
  if (displayWidth(label) <= width) return label;
  const words = label.trim().split(' ');
  while (words.length > 1) {
    words.pop();
    const shown = ` ${words.join(' ')} … `;
    if (displayWidth(shown) <= width) return shown;
  }
  return '';
}

/** A full-width row: the time column, then lifelines (│) at every lane centre. */
function lifelines(n: number, center: (i: number) => number, width: number): string {
  let row = ' '.repeat(width);
  for (let i = 0; i < n; i++) row = placeAt(row, center(i), '│');
  return row;
}

/**
 * Writes `text` into `row` at column `col` (rows are single-width left of `col`), growing the row
 * when needed; a text with wide characters covers as many more filler characters as it has
 * extra columns, so that what follows stays in its column.
 */
function placeAt(row: string, col: number, text: string): string {
  const covered = displayWidth(text);
  const padded = row.padEnd(col + covered);
  return padded.slice(0, col) + text + padded.slice(col + covered);
}

function paintRow(row: string, start: number, length: number, paint: (s: string) => string): string {
  return row.slice(0, start) + paint(row.slice(start, start + length)) + row.slice(start + length);
}
