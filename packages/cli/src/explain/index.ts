/**
 * `--explain`: narration of a run, generated from its trace (narrate.ts) with the texts of one
 * catalogue per language (en.ts, zh.ts). Used three ways: lines under the ladder steps, notes
 * in the Mermaid diagram (both through RunFlags.annotate), and `kind: "explain"` lines in the
 * JSONL trace, each right after the event it explains (annotate.ts).
 */
export type { Annotate, ExplainEvent } from './annotate.js';
export { explainAnnotator, explainJsonLines, withExplainEvents } from './annotate.js';
export type { Lang, MessageKey } from './catalog.js';
export { format, LANGS, placeholders } from './catalog.js';
export type { Narration, NarrationContext } from './narrate.js';
export { narrate } from './narrate.js';
