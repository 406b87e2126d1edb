/**
 * Narration says what the ladder shows (issue 21 item 3, part): a claim attached to a segment
 * must hold for that segment. Here: "buffers what is out of order" only under a reordered
 * segment that carries data; a reordered pure ACK or RST is said to be merely processed late.
 */
import { describe, expect, it } from 'vitest';
import { describeResult, synack } from './helpers.js';

/** Each narration line with the arrow (segment row) it sits under. */
function notesUnderArrows(stdout: string): Array<{ arrow: string; note: string }> {
  const out: Array<{ arrow: string; note: string }> = [];
  let arrow = '';
  for (const line of stdout.split('\n')) {
    if (/[▶◀⇒⇐✕▷]/.test(line) && / seq=/.test(line)) arrow = line;
    else if (/^\s*\d+\.\d{3} s {2}/.test(line)) arrow = '';
    const note = /^\s+» (.*)$/.exec(line);
    if (note) out.push({ arrow, note: note[1] });
  }
  return out;
}

describe('narration of reordered segments', () => {
  it('lossy-transfer: data is "buffered out of order", a late pure ACK is not', async () => {
    const r = await synack(['run', 'lossy-transfer', '--explain', '--no-color']);
    expect(r.code, describeResult(r)).toBe(0);
    const notes = notesUnderArrows(r.stdout);
    const buffered = notes.filter((n) => n.note.includes('the receiver buffers what is out of order'));
    const late = notes.filter((n) => n.note.includes('it carries no data, so nothing waits for it'));
    expect(buffered.length).toBeGreaterThan(0);
    expect(late.length).toBeGreaterThan(0);
    for (const n of buffered) expect(n.arrow, n.note).toMatch(/ len=\d+ /);
    for (const n of late) expect(n.arrow, n.note).not.toMatch(/ len=\d+ /);
    for (const n of [...buffered, ...late]) expect(n.arrow).toMatch(/REORDERED/);
  }, 60_000);
});
