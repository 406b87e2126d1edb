/**
 * Narration says what the ladder shows (issue 21 item 3, part): a claim attached to a segment
 * must hold for that segment. Here: "buffers what is out of order" only under a reordered
 * segment that carries data; a reordered pure ACK or RST is said to be merely processed late.
 */
import { describe, expect, it } from 'vitest';
import { describeResult, REPO, synack } from './helpers.js';

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

describe('narration of keepalive and of an application abort (issue 25 item 8)', () => {
  it('half-open-keepalive: each probe, the give-up RST and ETIMEDOUT are narrated where the trace has them', async () => {
    const r = await synack(['run', 'half-open-keepalive', '--explain', '--no-color']);
    expect(r.code, describeResult(r)).toBe(0);
    const notes = notesUnderArrows(r.stdout);
    const first = notes.filter((n) => n.note.includes('sends a keepalive probe'));
    const again = notes.filter((n) => /keepalive probe \d+, /.test(n.note));
    // One first probe, then probes 2 and 3, each under an unanswered empty ACK at SND.NXT − 1.
    expect(first).toHaveLength(1);
    expect(again.map((n) => /keepalive probe (\d+)/.exec(n.note)?.[1])).toEqual(['2', '3']);
    for (const n of [...first, ...again]) expect(n.arrow).toMatch(/ ACK seq=0 ack=101 .*RETRANSMIT LOST/);
    for (const n of again) expect(n.note).toContain('5 s after the previous one');
    const giveUp = notes.filter((n) => n.note.includes('has sent 3 keepalive probes without an answer'));
    expect(giveUp).toHaveLength(1);
    expect(giveUp[0].arrow).toMatch(/ ACK,RST seq=1 ack=101 /);
    expect(r.stdout).toMatch(
      /app: closed \(timeout\)\n\s+» server closes the connection after 3 unanswered keepalive probes: .*ETIMEDOUT/,
    );
    expect(r.stdout).not.toContain('gives up after 0 retransmissions');
  }, 60_000);

  it('examples/half-open-keepalive.yaml: a probe answered by RST is not called unanswered', async () => {
    const r = await synack(['run', `${REPO}/examples/half-open-keepalive.yaml`, '--explain', '--no-color']);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toContain('sends a keepalive probe');
    expect(r.stdout).not.toContain('without an answer');
    expect(r.stdout).not.toContain('unanswered keepalive probes');
  }, 60_000);

  it('rst-abort: the RST is narrated as the application abort (SO_LINGER 0 + close()), under the client RST', async () => {
    const r = await synack(['run', 'rst-abort', '--explain', '--no-color']);
    expect(r.code, describeResult(r)).toBe(0);
    const abort = notesUnderArrows(r.stdout).filter((n) => n.note.includes("client's application aborts"));
    expect(abort).toHaveLength(1);
    expect(abort[0].arrow).toMatch(/├─+ ACK,RST seq=501 ack=1 /);
    expect(abort[0].note).toContain('SO_LINGER on with a 0 s timeout and calls close()');
    expect(r.stdout).toMatch(/0\.300 s {2}app: closed \(aborted\)/);
  }, 60_000);

  it('rst-abort: the flags of the abort RST are explained per profile, from the RST as sent (issue 21 item 4)', async () => {
    const linux = await synack(['run', 'rst-abort', '--explain', '--no-color']);
    const rfc = await synack([
      'run',
      'rst-abort',
      '--explain',
      '--no-color',
      '--profile',
      'rfc9293',
      '--no-expect',
    ]);
    for (const r of [linux, rfc]) expect(r.code, describeResult(r)).toBe(0);
    const flagNote = (out: string) =>
      notesUnderArrows(out).filter((n) => n.note.includes('§3.10.5 (ABORT call)'));
    const [l] = flagNote(linux.stdout);
    expect(l.arrow).toMatch(/├─+ ACK,RST seq=501 ack=1 /);
    expect(l.note).toContain('the RST carries ACK too (ack = y+1 = ');
    expect(l.note).toContain('tcp_send_active_reset');
    const [b] = flagNote(rfc.stdout);
    expect(b.arrow).toMatch(/├─+ RST seq=501 ─/);
    expect(b.note).toContain('a bare RST without the ACK bit');
    const zh = await synack(['run', 'rst-abort', '--explain', '--no-color', '--lang', 'zh']);
    expect(zh.stdout).toContain('这个 RST 同时置了 ACK 标志（ack = y+1 = ');
  }, 60_000);
});
