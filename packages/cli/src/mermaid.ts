/**
 * A Mermaid `sequenceDiagram` of a run, to paste into docs. Lost segments use
 * the `-x` arrow, state changes are notes over the endpoint.
 */
import type { TraceEvent } from '@synack/network';
import type { Annotate } from './explain/index.js';
import { RelativeSeq, traceEndpoints } from './ladder.js';

export interface MermaidOptions {
  /** Extra notes under an event (narration). */
  annotate?: Annotate;
}

function escapeMermaid(text: string): string {
  // Mermaid treats ";" and "#" specially in messages.
  return text.replace(/[;#]/g, ' ');
}

export function renderMermaid(trace: readonly TraceEvent[], options: MermaidOptions = {}): string {
  const endpoints = traceEndpoints(trace);
  const rel = new RelativeSeq();
  const lines = ['sequenceDiagram'];
  for (const id of endpoints) lines.push(`  participant ${id}`);
  const span = endpoints.length > 1 ? `${endpoints[0]},${endpoints[endpoints.length - 1]}` : endpoints[0];
  const lost = new Map<number, string>();
  for (const e of trace) if (e.kind === 'drop' && e.id !== 0) lost.set(e.id, String(e.reason));
  trace.forEach((e, index) => {
    if (e.kind === 'state') {
      lines.push(`  Note over ${e.endpoint}: ${e.to}`);
    } else if (e.kind === 'send' || e.kind === 'drop' || e.kind === 'duplicate') {
      if (e.kind === 'drop' && e.id === 0) {
        lines.push(
          `  Note over ${e.endpoint}: ${e.seg.flags.join(',')} discarded (${escapeMermaid(String(e.reason))})`,
        );
      } else if (endpoints.includes(e.to)) {
        if (e.kind === 'send') rel.observe(e);
        const text = `${e.seg.flags.join(',')} ${rel.label(e)}${e.seg.len ? ` len=${e.seg.len}` : ''}`;
        const retransmit = e.kind === 'send' && e.retransmit ? ' (retransmission)' : '';
        if (e.kind === 'send' && lost.has(e.id)) {
          lines.push(
            `  ${e.from}-x${e.to}: ${escapeMermaid(text)}${retransmit} LOST (${escapeMermaid(lost.get(e.id)!)})`,
          );
        } else if (e.kind === 'send') {
          lines.push(`  ${e.from}->>${e.to}: ${escapeMermaid(text)}${retransmit}`);
        } else if (e.kind === 'duplicate') {
          lines.push(`  ${e.from}-)${e.to}: ${escapeMermaid(text)} (duplicate)`);
        }
      }
    }
    for (const note of options.annotate?.(e, index) ?? []) {
      lines.push(`  Note over ${span}: ${escapeMermaid(note)}`);
    }
  });
  return `${lines.join('\n')}\n`;
}
