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
