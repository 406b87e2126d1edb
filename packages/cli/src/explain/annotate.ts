/**
 * The three uses of a run's narration: lines under the ladder steps and notes in the Mermaid
 * diagram (both through RunFlags.annotate), and `kind: "explain"` lines in the JSONL trace, each
 * right after the event it explains.
 */
import type { TraceEvent } from '@synack/network';
import type { Lang } from './catalog.js';
import { type Narration, type NarrationContext, narrate } from './narrate.js';

export type Annotate = (event: TraceEvent, index: number) => string[] | undefined;

/** A narration line of the JSONL trace; `ref` is the index of the explained event among the trace events (explain lines not counted). */
export interface ExplainEvent {
  t: number;
  kind: 'explain';
  endpoint: '*';
  lang: Lang;
  text: string;
  ref: number;
}

/** Narrations grouped by the index of the event they explain. */
function narrationsByEvent(
  trace: readonly TraceEvent[],
  lang: Lang,
  context: NarrationContext = {},
): Map<number, Narration[]> {
  const byRef = new Map<number, Narration[]>();
  for (const n of narrate(trace, lang, context)) {
    const list = byRef.get(n.ref);
    if (list) list.push(n);
    else byRef.set(n.ref, [n]);
  }
  return byRef;
}

/** The RunFlags.annotate hook for `--explain --lang <lang>`. */
export function explainAnnotator(
  lang: Lang,
): (trace: readonly TraceEvent[], context?: NarrationContext) => Annotate {
  return (trace, context) => {
    const byRef = narrationsByEvent(trace, lang, context);
    return (_event, index) => byRef.get(index)?.map((n) => n.text);
  };
}

/**
 * The trace with a `kind: "explain"` event after every event the annotator has text for. The
 * summary stays the last line: narration of the summary itself (none today) goes before it.
 */
export function withExplainEvents(
  trace: readonly TraceEvent[],
  annotate: Annotate | undefined,
  lang: Lang,
): Array<TraceEvent | ExplainEvent> {
  const out: Array<TraceEvent | ExplainEvent> = [];
  trace.forEach((event, index) => {
    const lines = annotate?.(event, index) ?? [];
    const explain = lines.map(
      (text): ExplainEvent => ({ t: event.t, kind: 'explain', endpoint: '*', lang, text, ref: index }),
    );
    if (event.kind === 'summary') out.push(...explain, event);
    else out.push(event, ...explain);
  });
  return out;
}

/** JSON Lines of {@link withExplainEvents}. */
export function explainJsonLines(
  trace: readonly TraceEvent[],
  annotate: Annotate | undefined,
  lang: Lang,
): string {
  let text = '';
  for (const event of withExplainEvents(trace, annotate, lang)) text += `${JSON.stringify(event)}\n`;
  return text;
}
