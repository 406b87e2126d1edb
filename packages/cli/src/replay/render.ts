/** How `synack replay` shows what it observed: a text ladder per connection, or trace events. */
import type { ObservedConnection, ObservedSegment } from './observer.js';

/** Trace-contract events (state, send, deliver/drop, summary), with `divergence` on marked sends. */
export function replayEvents(connections: readonly ObservedConnection[]): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  let id = 0;
  let lastT = 0;
  const final: Record<string, string[]> = {};
  let marks = 0;
  for (const conn of connections) {
    for (const seg of conn.segments) {
      id++;
      lastT = Math.max(lastT, seg.t);
      const wire = traceSeg(seg);
      const base = { t: seg.t, from: seg.from, to: seg.to, id, conn: conn.key, seg: wire };
      events.push({
        ...base,
        kind: 'send',
        endpoint: seg.from,
        state: seg.senderState,
        ...(seg.retransmit ? { retransmit: true } : {}),
        ...(seg.divergence ? { divergence: seg.divergence } : {}),
      });
      if (seg.divergence) marks++;
      pushStates(events, conn, seg, seg.from);
      events.push(
        seg.lostAfterCapture
          ? { ...base, kind: 'drop', endpoint: seg.to, reason: 'after-capture' }
          : { ...base, kind: 'deliver', endpoint: seg.to },
      );
      pushStates(events, conn, seg, seg.to);
    }
    for (const side of [conn.client, conn.server]) {
      const last = conn.states.filter((s) => s.endpoint === side).at(-1);
      (final[side] ??= []).push(last?.to ?? 'ESTABLISHED');
    }
  }
  events.push({ t: lastT, kind: 'summary', endpoint: '*', ok: marks === 0, final, divergences: marks });
  return events;
}

function pushStates(
  events: Record<string, unknown>[],
  conn: ObservedConnection,
  seg: ObservedSegment,
  endpoint: string,
) {
  for (const s of conn.states) {
    if (s.segment === seg.index && s.endpoint === endpoint) {
      events.push({ t: seg.t, kind: 'state', endpoint, conn: conn.key, from: s.from, to: s.to });
    }
  }
}

function traceSeg(seg: ObservedSegment) {
  return {
    srcPort: seg.srcPort,
    dstPort: seg.dstPort,
    seq: seg.seq,
    ack: seg.ack,
    flags: seg.flags,
    len: seg.len,
    win: seg.win,
    ...(seg.mss !== undefined ? { mss: seg.mss } : {}),
  };
}

/** The text ladder: one line per segment (relative numbers), state changes under it, marks with ✗. */
export function replayText(connections: readonly ObservedConnection[]): string {
  const lines: string[] = [];
  for (const conn of connections) {
    lines.push(`connection ${conn.client} → ${conn.server}`);
    const iss = new Map<string, number>();
    for (const seg of conn.segments) {
      if (seg.flags.includes('SYN') && !iss.has(seg.from)) iss.set(seg.from, seg.seq);
      const rel = (n: number, who: string) => (iss.has(who) ? (n - (iss.get(who) as number)) >>> 0 : n);
      const ack = seg.flags.includes('ACK') ? ` ack=${rel(seg.ack, seg.to)}` : '';
      const notes = [
        seg.retransmit ? 'retransmission' : '',
        seg.lostAfterCapture ? 'lost after the capture point' : '',
      ]
        .filter(Boolean)
        .join(', ');
      lines.push(
        `${seg.t.toFixed(3).padStart(12)} ms  ${seg.from} → ${seg.to}  [${seg.flags.join(',')}] seq=${rel(seg.seq, seg.from)}${ack} len=${seg.len} win=${seg.win}${notes ? `  (${notes})` : ''}`,
      );
      for (const s of conn.states.filter((x) => x.segment === seg.index)) {
        lines.push(`${''.padStart(17)}${s.endpoint}: ${s.from} → ${s.to}`);
      }
      if (seg.divergence) lines.push(`${''.padStart(17)}✗ ${seg.divergence.rule}: ${seg.divergence.detail}`);
    }
    const marks = conn.segments.filter((s) => s.divergence).length;
    lines.push(
      `  ${marks === 0 ? 'no divergence' : `${marks} segment(s) the model would not have sent`}`,
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}
