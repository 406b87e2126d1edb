/**
 * Two segment timelines — the model's and the kernel's — made comparable and aligned: sequence
 * numbers relative to each sender's ISN (its first SYN), ACK numbers relative to the receiver's,
 * then segment by segment: sender, flags, relative seq/ack, payload length, and time within a
 * tolerance. Segments that leave at the same instant may appear in either order (two endpoints on
 * one machine), so a segment is matched with any unmatched one close enough in time.
 */

/** One segment as both sides are compared. `t` in ms from the start of the run. */
export interface WireSegment {
  readonly t: number;
  readonly from: string;
  readonly to: string;
  /** Sorted flag names (SYN, ACK, FIN, RST, PSH). */
  readonly flags: readonly string[];
  readonly seq: number;
  readonly ack: number;
  readonly len: number;
}

/** A segment with its numbers relative to the connection's ISNs. */
export interface RelativeSegment extends WireSegment {
  readonly relSeq: number;
  readonly relAck: number | undefined;
}

export interface Tolerance {
  /** Always allowed, ms: timer granularity (HZ=250: 4 ms) plus the application noticing events (Node on a busy machine: tens of ms). */
  readonly ms: number;
  /** Also allowed: this fraction of the time since the previous segment (packetdrill's tolerance_percent). */
  readonly fraction: number;
}

export const DEFAULT_TOLERANCE: Tolerance = { ms: 40, fraction: 0.125 };

const FLAG_ORDER = ['SYN', 'ACK', 'FIN', 'RST', 'PSH'];

export function sortFlags(flags: readonly string[]): string[] {
  return FLAG_ORDER.filter((f) => flags.includes(f));
}

/** Relative numbers: each sender's ISN is the seq of the first SYN it sent (0 if it sent none). */
export function relativize(segments: readonly WireSegment[]): RelativeSegment[] {
  const isn = new Map<string, number>();
  for (const s of segments) if (s.flags.includes('SYN') && !isn.has(s.from)) isn.set(s.from, s.seq);
  const rel = (n: number, base: number | undefined) => (n - (base ?? 0) + 2 ** 32) % 2 ** 32;
  return segments.map((s) => ({
    ...s,
    relSeq: rel(s.seq, isn.get(s.from)),
    relAck: s.flags.includes('ACK') ? rel(s.ack, isn.get(s.to)) : undefined,
  }));
}

/** What differs between two segments, ignoring time; undefined when they are the same. */
export function fieldDifference(model: RelativeSegment, kernel: RelativeSegment): string | undefined {
  if (model.from !== kernel.from) return `sender ${model.from} vs ${kernel.from}`;
  if (model.flags.join(',') !== kernel.flags.join(','))
    return `flags ${model.flags.join(',')} vs ${kernel.flags.join(',')}`;
  if (model.relSeq !== kernel.relSeq) return `seq ${model.relSeq} vs ${kernel.relSeq}`;
  if (model.relAck !== kernel.relAck) return `ack ${model.relAck ?? '-'} vs ${kernel.relAck ?? '-'}`;
  if (model.len !== kernel.len) return `length ${model.len} vs ${kernel.len}`;
  return undefined;
}

export interface AlignedRow {
  readonly model?: RelativeSegment;
  readonly kernel?: RelativeSegment;
  /** Why this row diverges; undefined when the two agree. */
  readonly divergence?: string;
}

export interface Alignment {
  readonly rows: readonly AlignedRow[];
  /** Index in rows of the first divergence, or -1. */
  readonly firstDivergence: number;
}

function allowed(tolerance: Tolerance, previousT: number, t: number): number {
  return Math.max(tolerance.ms, tolerance.fraction * Math.abs(t - previousT));
}

/** Aligns the timelines; every segment of both appears in exactly one row. */
export function align(
  model: readonly RelativeSegment[],
  kernel: readonly RelativeSegment[],
  tolerance: Tolerance = DEFAULT_TOLERANCE,
): Alignment {
  const used = new Set<number>();
  const rows: AlignedRow[] = [];
  let next = 0;
  let previousT = 0;
  for (const m of model) {
    while (used.has(next)) next++;
    const window = allowed(tolerance, previousT, m.t);
    let match = -1;
    for (let k = next; k < kernel.length && kernel[k].t <= m.t + window; k++)
      if (!used.has(k) && !fieldDifference(m, kernel[k]) && Math.abs(kernel[k].t - m.t) <= window) {
        match = k;
        break;
      }
    previousT = m.t;
    if (match >= 0) {
      used.add(match);
      rows.push({ model: m, kernel: kernel[match] });
      continue;
    }
    const k = kernel[next];
    if (k && !used.has(next)) {
      used.add(next);
      const fields = fieldDifference(m, k);
      rows.push({
        model: m,
        kernel: k,
        divergence: fields ?? `time ${fmt(m.t)} vs ${fmt(k.t)} ms (tolerance ${fmt(window)} ms)`,
      });
    } else rows.push({ model: m, divergence: 'the kernel sent nothing more' });
  }
  kernel.forEach((k, i) => {
    if (!used.has(i)) rows.push({ kernel: k, divergence: 'the model sent nothing more' });
  });
  return { rows, firstDivergence: rows.findIndex((r) => r.divergence !== undefined) };
}

function fmt(ms: number): string {
  return ms.toFixed(1);
}

/** `SYN,ACK seq=0 ack=1 len=0`, numbers relative. */
export function describeRelative(s: RelativeSegment): string {
  return `${s.flags.join(',')} seq=${s.relSeq}${s.relAck !== undefined ? ` ack=${s.relAck}` : ''} len=${s.len}`;
}

function cell(s: RelativeSegment | undefined): string {
  if (!s) return '—';
  return `${(s.t / 1000).toFixed(3)} s ${s.from}→${s.to} ${describeRelative(s)}`;
}

/** The two timelines side by side, the first divergence marked and explained. */
export function renderAlignment(alignment: Alignment, titles: { model: string; kernel: string }): string {
  const left = alignment.rows.map((r) => cell(r.model));
  const width = Math.max(titles.model.length, ...left.map((l) => l.length)) + 2;
  const lines = [`  #  ${titles.model.padEnd(width)}${titles.kernel}`];
  alignment.rows.forEach((row, i) => {
    const mark = row.divergence === undefined ? ' ' : i === alignment.firstDivergence ? '✗' : '·';
    lines.push(`${String(i + 1).padStart(3)}${mark} ${left[i].padEnd(width)}${cell(row.kernel)}`);
  });
  if (alignment.firstDivergence >= 0) {
    const row = alignment.rows[alignment.firstDivergence];
    lines.push('', `first divergence at row ${alignment.firstDivergence + 1}: ${row.divergence}`);
  } else
    lines.push(
      '',
      `no divergence: ${alignment.rows.length} segments agree (flags, relative seq/ack, length, time)`,
    );
  return `${lines.join('\n')}\n`;
}
