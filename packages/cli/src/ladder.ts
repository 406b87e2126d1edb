/**
 * Renders a trace as a terminal ladder (sequence) diagram: one lane per
 * endpoint, one line per event, arrows carrying flags and relative seq/ack
 * (like Wireshark), absolute numbers, length and window beside them, state
 * changes in the endpoint's lane, drops cut the arrow short.
 */
import type { TraceEvent } from '@synack/network';
import { createColors } from 'picocolors';

type SegmentEvent = Extract<TraceEvent, { kind: 'send' | 'drop' | 'duplicate' | 'deliver' }>;

export interface LadderOptions {
  color?: boolean;
  /** Endpoint ids in lane order (default: order of first appearance). */
  endpoints?: string[];
  /** Extra lines to print under a given trace event (narration). */
  annotate?: (event: TraceEvent, index: number) => string[] | undefined;
  laneWidth?: number;
}

const TIME_WIDTH = 11;

/** Relative sequence numbers: offsets from each direction's initial sequence number (its SYN). */
export class RelativeSeq {
  private readonly isn = new Map<string, number>();

  private key(from: string, srcPort: number, to: string, dstPort: number): string {
    return `${from}:${srcPort}>${to}:${dstPort}`;
  }

  observe(e: SegmentEvent): void {
    const k = this.key(e.from, e.seg.srcPort, e.to, e.seg.dstPort);
    // A new SYN (new incarnation of the 4-tuple) resets the base, as Wireshark does.
    if (e.seg.flags.includes('SYN') && e.kind === 'send') this.isn.set(k, e.seg.seq);
  }

  seq(e: SegmentEvent): number | undefined {
    const base = this.isn.get(this.key(e.from, e.seg.srcPort, e.to, e.seg.dstPort));
    return base === undefined ? undefined : (e.seg.seq - base) | 0;
  }

  ack(e: SegmentEvent): number | undefined {
    const base = this.isn.get(this.key(e.to, e.seg.dstPort, e.from, e.seg.srcPort));
    return base === undefined ? undefined : (e.seg.ack - base) | 0;
  }
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
  const c = createColors(options.color ?? false);
  const endpoints = options.endpoints ?? traceEndpoints(trace);
  const lane = options.laneWidth ?? (endpoints.length > 2 ? 34 : 46);
  const laneOf = new Map(endpoints.map((id, i) => [id, i]));
  const center = (i: number) => TIME_WIDTH + 2 + i * lane;
  const width = center(endpoints.length - 1) + 2;
  const rel = new RelativeSeq();
  const lines: string[] = [];
  const lost = new Map<number, string>();
  for (const e of trace) if (e.kind === 'drop' && e.id !== 0) lost.set(e.id, String(e.reason));

  // Header: endpoint names and a lifeline row.
  let header = `${'time'.padStart(TIME_WIDTH)}  `;
  endpoints.forEach((id, i) => {
    header = placeAt(header, center(i), id);
  });
  lines.push(c.bold(header.trimEnd()));

  const stateLine = (t: number, endpoint: string, text: string, paint: (s: string) => string) => {
    const i = laneOf.get(endpoint) ?? 0;
    const row = lifelines(endpoints.length, center, width);
    return paintRow(withTime(t, placeAt(row, center(i), text)), center(i), text.length, paint).trimEnd();
  };

  trace.forEach((e, index) => {
    switch (e.kind) {
      case 'state':
        lines.push(stateLine(e.t, e.endpoint, `${e.from} → ${e.to}`, c.cyan));
        break;
      case 'send':
      case 'drop':
      case 'duplicate': {
        if (e.kind === 'drop' && e.id === 0) {
          // Dropped on arrival by the host itself (SYN queue full, accept queue full).
          lines.push(stateLine(e.t, e.endpoint, `✕ ${e.seg.flags.join(',')} discarded (${e.reason})`, c.red));
          break;
        }
        // A lost segment is drawn once, at its send time, as an arrow cut short where it died.
        if (e.kind === 'drop') break;
        rel.observe(e);
        lines.push(arrowLine(e, e.kind === 'duplicate' ? 'duplicate' : lost.has(e.id) ? 'drop' : 'send'));
        break;
      }
      case 'timer':
        lines.push(
          stateLine(
            e.t,
            e.endpoint,
            `⏱ RTO expired: retransmit ${e.retransmitKind ?? ''} (#${e.count ?? '?'}, next RTO ${formatMs(Number(e.rto))})`,
            c.yellow,
          ),
        );
        break;
      case 'app': {
        const text = appText(e);
        if (text) lines.push(stateLine(e.t, e.endpoint, text, c.dim));
        break;
      }
      default:
        break;
    }
    const notes = options.annotate?.(e, index);
    for (const note of notes ?? []) lines.push(`${' '.repeat(TIME_WIDTH + 2)}${c.magenta(`» ${note}`)}`);
  });
  return `${lines.join('\n')}\n`;

  function arrowLine(e: SegmentEvent, mode: 'send' | 'drop' | 'duplicate'): string {
    const a = laneOf.get(e.from);
    const b = laneOf.get(e.to);
    const s = rel.seq(e);
    const k = rel.ack(e);
    const flags = e.seg.flags.join(',');
    const relText = `seq=${s ?? e.seg.seq}${e.seg.flags.includes('ACK') ? ` ack=${k ?? e.seg.ack}` : ''}`;
    const label = ` ${flags} ${relText}${e.seg.len ? ` len=${e.seg.len}` : ''} `;
    const abs = `abs seq=${e.seg.seq}${e.seg.flags.includes('ACK') ? ` ack=${e.seg.ack}` : ''}`;
    const extra = [
      abs,
      `win=${e.seg.win}`,
      e.seg.mss !== undefined ? `mss=${e.seg.mss}` : '',
      'delay' in e && e.delay !== undefined ? `+${e.delay}ms` : '',
      'retransmit' in e && e.retransmit ? 'RETRANSMIT' : '',
      'reordered' in e && e.reordered ? 'REORDERED' : '',
      mode === 'duplicate' ? `DUPLICATE of #${'duplicateOf' in e ? e.duplicateOf : '?'}` : '',
      mode === 'drop' ? `LOST (${lost.get(e.id) ?? 'loss'})` : '',
    ]
      .filter(Boolean)
      .join(' ');
    const row = lifelines(endpoints.length, center, width);
    if (a === undefined || b === undefined) {
      // Towards an address that is no endpoint (spoofed source): draw a stub off the sender's lane.
      const i = a ?? 0;
      const stub = `├─${label}─▷ ${e.to}`;
      return `${paintArrow(withTime(e.t, placeAt(row, center(i), stub)), center(i), stub.length, mode).trimEnd()}  ${c.dim(extra)}`;
    }
    const left = Math.min(center(a), center(b));
    const right = Math.max(center(a), center(b));
    const span = right - left;
    let body = '─'.repeat(Math.max(0, span - 1));
    const labelStart = Math.max(1, Math.floor((span - label.length) / 2));
    body = placeAt(body, labelStart, label.slice(0, Math.max(0, span - 3)));
    let arrow = a < b ? `├${body}▶` : `◀${body}┤`;
    if (mode === 'drop') {
      // Cut the arrow at three quarters of the way and mark where the segment died.
      const cut = Math.floor(span * 0.75);
      arrow =
        a < b
          ? `${arrow.slice(0, cut)}✕${' '.repeat(span - cut)}`
          : `${' '.repeat(span - cut)}✕${arrow.slice(span - cut + 1)}`;
    }
    if (mode === 'duplicate') arrow = arrow.replace('▶', '⇒').replace('◀', '⇐');
    return `${paintArrow(withTime(e.t, placeAt(row, left, arrow)), left, arrow.length, mode)}  ${c.dim(extra)}`;
  }

  function paintArrow(row: string, start: number, length: number, mode: string): string {
    const paint = mode === 'drop' ? c.red : mode === 'duplicate' ? c.magenta : c.green;
    return paintRow(row, start, length, paint);
  }
}

function appText(e: Extract<TraceEvent, { kind: 'app' }>): string | undefined {
  const d = e as Record<string, unknown>;
  switch (e.event) {
    case 'listen':
      return `app: listen(:${d.port}, backlog ${d.backlog})`;
    case 'connect':
      return `app: connect(${d.to}:${d.port})`;
    case 'accept':
      return 'app: accept()';
    case 'send':
      return `app: send ${d.bytes} B`;
    case 'peer-closed':
      return 'app: EOF (peer closed its half)';
    case 'closed':
      return `app: closed (${d.reason})`;
    case 'error':
      return `app: error "${d.error}"`;
    case 'restart':
      return 'app: host crashed and restarted (all state lost)';
    case 'syn-flood':
      return `app: SYN flood of ${d.count} spoofed SYNs`;
    default:
      return undefined;
  }
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
}

/** A full-width row: the time column, then lifelines (│) at every lane centre. */
function lifelines(n: number, center: (i: number) => number, width: number): string {
  let row = ' '.repeat(width);
  for (let i = 0; i < n; i++) row = placeAt(row, center(i), '│');
  return row;
}

/** Writes `text` into `row` at column `col`, growing the row when needed. */
function placeAt(row: string, col: number, text: string): string {
  const padded = row.padEnd(col + text.length);
  return padded.slice(0, col) + text + padded.slice(col + text.length);
}

/** Puts the time into the time column of a full-width row. */
function withTime(t: number, row: string): string {
  return placeAt(row, 0, `${formatTime(t).padStart(TIME_WIDTH)}  `);
}

function paintRow(row: string, start: number, length: number, paint: (s: string) => string): string {
  return row.slice(0, start) + paint(row.slice(start, start + length)) + row.slice(start + length);
}
