/**
 * Folding a long ladder (issue 21 item 6): a block of rows repeated many times in a row (a SYN
 * flood's SYN and its discard, four hundred times) is drawn a few times, then one line says how
 * many more there were, then the last repetition.
 *
 * The rule, precisely. Each trace event the ladder draws is one item: its row (wrapped rows
 * included) and its narration lines. Two items have the same *shape* when their texts are equal
 * once every digit, space and arrow-line character (─) is removed: same lane, same direction,
 * same flags, same marks (LOST, RETRANSMIT, …) and words, differing only in numbers (times,
 * seq/ack, counts, addresses). A block of 1 to {@link MAX_PERIOD} items repeated with the same
 * shapes at least {@link FOLD_AFTER} + 1 times in a row is folded: its first
 * {@link FOLD_AFTER} − 1 repetitions are shown, then the fold line, then its last repetition.
 * So an item that differs in anything but numbers (a state change of another connection, a
 * drop or a retransmission among plain segments) is never hidden; only members of a run of
 * identical ones are.
 */

/** Blocks repeated more than this many times in a row are folded. */
export const FOLD_AFTER = 3;
/** The longest block (in items) whose repetitions are recognised. */
export const MAX_PERIOD = 4;

/** An item's shape: its text without digits, spaces and arrow-line characters. */
export function shapeOf(item: string): string {
  return item.replace(/[0-9\s─]/g, '');
}

/**
 * `items` with runs of repeated blocks folded; `foldLine(n)` is the line standing for `n` hidden
 * items.
 */
export function foldItems(items: readonly string[], foldLine: (hidden: number) => string): string[] {
  const shapes = items.map(shapeOf);
  const sameBlock = (a: number, b: number, period: number) => {
    for (let k = 0; k < period; k++) if (shapes[a + k] !== shapes[b + k]) return false;
    return true;
  };
  const out: string[] = [];
  let i = 0;
  while (i < items.length) {
    let best = { period: 0, repeats: 0 };
    for (let period = 1; period <= MAX_PERIOD; period++) {
      let repeats = 1;
      while (i + (repeats + 1) * period <= items.length && sameBlock(i, i + repeats * period, period))
        repeats++;
      if (repeats > FOLD_AFTER && repeats * period > best.repeats * best.period) best = { period, repeats };
    }
    if (best.period === 0) {
      out.push(items[i]);
      i++;
      continue;
    }
    const { period, repeats } = best;
    const shownBefore = (FOLD_AFTER - 1) * period;
    const hidden = (repeats - FOLD_AFTER) * period;
    out.push(...items.slice(i, i + shownBefore), foldLine(hidden));
    const last = i + (repeats - 1) * period;
    out.push(...items.slice(last, last + period));
    i += repeats * period;
  }
  return out;
}

/** The fields of a trace event that say whose traffic it is. */
interface TrafficEvent {
  kind: string;
  endpoint: string;
  event?: string;
  conn?: string;
  from?: string;
  to?: string;
  id?: number;
}

const SEGMENT_KINDS = new Set(['send', 'deliver', 'drop', 'duplicate']);

/**
 * Which events of a trace are spoofed traffic, by index: segments from or to an address no
 * endpoint owns (a flood's forged SYNs, the SYN-ACKs and drops they cause), the connectionless
 * segments of an endpoint that ran a SYN flood, and every event of a connection whose segments go
 * to such an address (its half-open entry, SYN-ACK timers, expiry). Events of the endpoints'
 * own connections (a legitimate client's SYNs, even when the full queue discards them) are not.
 */
export function spoofedEvents(trace: readonly TrafficEvent[]): boolean[] {
  const endpoints = new Set(trace.map((e) => e.endpoint).filter((id) => id !== '*'));
  const flooders = new Set(
    trace.filter((e) => e.kind === 'app' && e.event === 'syn-flood').map((e) => e.endpoint),
  );
  const foreign = (id: string | undefined) => id !== undefined && !endpoints.has(id);
  const spoofedConns = new Set<string>();
  const spoofedPackets = new Set<number>();
  for (const e of trace) {
    if (e.kind !== 'send') continue;
    const spoofed = foreign(e.to) || (!e.conn && flooders.has(e.endpoint));
    if (!spoofed) continue;
    if (e.id) spoofedPackets.add(e.id);
    if (e.conn) spoofedConns.add(`${e.endpoint}|${e.conn}`);
  }
  return trace.map((e) => {
    if (e.conn && spoofedConns.has(`${e.endpoint}|${e.conn}`)) return true;
    if (!SEGMENT_KINDS.has(e.kind)) return false;
    return foreign(e.from) || foreign(e.to) || (e.id !== undefined && spoofedPackets.has(e.id));
  });
}

/**
 * Folding a flood (issue 21 item 6): the spoofed items (`spoofed[i]`) are folded even where the
 * legitimate connections' items interleave with them. The first item of each shape is shown —
 * the first forged SYN, the first half-open entry, the first drop of a full queue, the first
 * SYN-ACK timer, the first expiry — and every later spoofed item of a shape already shown is
 * hidden, two or more hidden in a row becoming one `foldLine(n)`. Every item that is not spoofed
 * is shown, in its place.
 */
export function foldSpoofed(
  items: readonly string[],
  spoofed: readonly boolean[],
  foldLine: (hidden: number) => string,
): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  let held: string[] = [];
  const flush = () => {
    out.push(...(held.length >= 2 ? [foldLine(held.length)] : held));
    held = [];
  };
  items.forEach((item, i) => {
    const shape = shapeOf(item);
    if (spoofed[i] && seen.has(shape)) {
      held.push(item);
      return;
    }
    flush();
    if (spoofed[i]) seen.add(shape);
    out.push(item);
  });
  flush();
  return out;
}
