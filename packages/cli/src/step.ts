/**
 * `synack run --step` (issue 21 item 6): the ladder one event per keypress, for a class. The run
 * is simulated first (the trace is the same as without --step); the stepping loop then reads
 * keys from a stream — the terminal in raw mode, or any stream in a test — and prints the next
 * event on space or enter, fast-forwards past a TIME_WAIT period on `t`, and stops on `q` (the
 * summary follows). No clock: it waits for keys, nothing else.
 */
import type { Readable } from 'node:stream';

/** What each key does. */
export const STEP_KEYS = {
  next: [' ', '\r', '\n'],
  quit: ['q', 'Q', '\u0003' /* Ctrl-C in raw mode */, '\u0004' /* Ctrl-D */],
  pastTimeWait: ['t', 'T'],
} as const;

/** A row starting with a time: the first row of an event (continuations and narration follow it). */
const EVENT_ROW = /^\s*\d+\.\d{3}( s)? {2}/;

/**
 * A rendered ladder cut into its heading and its steps: each step is an event's rows with the
 * narration and continuation lines under it (a fold line is a step of its own).
 */
export function ladderSteps(ladder: string): { heading: string; steps: string[] } {
  const [heading, ...rows] = ladder.replace(/\n$/, '').split('\n');
  const steps: string[] = [];
  for (const row of rows) {
    if (steps.length === 0 || EVENT_ROW.test(row) || /^\s*…/.test(row)) steps.push(row);
    else steps[steps.length - 1] += `\n${row}`;
  }
  return { heading, steps };
}

/** The keys typed on a stream, one character at a time. */
export async function* keysOf(input: Readable): AsyncGenerator<string> {
  for await (const chunk of input) for (const ch of String(chunk)) yield ch;
}

/**
 * Prints `steps` one per `next` key; `t` prints, without waiting, every step up to the end of the
 * TIME_WAIT period under way (the step where a connection leaves TIME_WAIT), preceded by
 * `skipLine`; `q` or the end of the keys stops. Returns how many steps were shown.
 */
export async function stepThrough(
  steps: readonly string[],
  keys: AsyncIterable<string>,
  out: (text: string) => void,
  skipLine: (step: string) => string | undefined = () => undefined,
): Promise<number> {
  let shown = 0;
  if (steps.length === 0) return 0;
  out(`${steps[shown++]}\n`);
  for await (const key of keys) {
    if (shown >= steps.length) break;
    if ((STEP_KEYS.quit as readonly string[]).includes(key)) break;
    if ((STEP_KEYS.pastTimeWait as readonly string[]).includes(key)) {
      const end = steps.findIndex((s, i) => i >= shown && /TIME_WAIT →/.test(s));
      if (end < 0) continue;
      const line = skipLine(steps[end]);
      if (line) out(`${line}\n`);
      while (shown <= end) out(`${steps[shown++]}\n`);
    } else if ((STEP_KEYS.next as readonly string[]).includes(key)) {
      out(`${steps[shown++]}\n`);
    }
    if (shown >= steps.length) break;
  }
  return shown;
}
