/**
 * The narration panel's data (public/narration.js, public/model.js): `explain` lines of the
 * stream up to the moment shown, newest last, and the event list's line for them.
 */
import { describe, expect, it } from 'vitest';
import { describeEvent } from '../public/event-list.js';
import { applyEvent, cloneModel, deriveModel } from '../public/model.js';
import { narrationView } from '../public/narration.js';
import type { StreamEvent } from '../src/index.js';

const hello = { endpoints: [{ id: 'client', address: '10.0.0.1', profile: 'linux', timeWait: 60_000 }] };
const state = (t: number, to: string): StreamEvent =>
  ({ t, kind: 'state', endpoint: 'client', conn: 'c', from: 'CLOSED', to }) as StreamEvent;
const explain = (t: number, ref: number, text: string, lang: 'en' | 'zh' = 'en'): StreamEvent => ({
  t,
  kind: 'explain',
  endpoint: '*',
  lang,
  text,
  ref,
});
const STREAM = [
  state(0, 'SYN_SENT'),
  explain(0, 0, 'one'),
  state(10, 'ESTABLISHED'),
  explain(10, 1, 'two'),
  explain(10, 1, 'three'),
];

describe('narration beside the ladder', () => {
  it('holds the lines up to the moment shown, with their stream index and the event they explain', () => {
    expect(narrationView(deriveModel(hello, STREAM, 1)).lines).toEqual([]);
    const two = narrationView(deriveModel(hello, STREAM, 4));
    expect(two.lines).toEqual([
      { index: 1, ref: 0, t: 0, lang: 'en', text: 'one' },
      { index: 3, ref: 1, t: 10, lang: 'en', text: 'two' },
    ]);
    expect(two.hidden).toBe(0);
  });

  it("keeps only the newest lines past the limit, saying how many are left out; the language is the lines'", () => {
    const view = narrationView(deriveModel(hello, STREAM, 5), 2);
    expect(view.lines.map((l) => l.text)).toEqual(['two', 'three']);
    expect(view.hidden).toBe(1);
    const zh = narrationView(
      deriveModel(hello, [state(0, 'SYN_SENT'), explain(0, 0, '第一次握手', 'zh')], 2),
    );
    expect(zh.lang).toBe('zh');
  });

  it('a model snapshot (cloneModel, kept for scrubbing) carries on without changing the original', () => {
    const original = deriveModel(hello, STREAM, 2);
    const copy = cloneModel(original);
    for (let i = 2; i < STREAM.length; i++) applyEvent(copy, STREAM[i], i, STREAM);
    expect(narrationView(copy).lines.map((l) => l.text)).toEqual(['one', 'two', 'three']);
    expect(narrationView(original).lines.map((l) => l.text)).toEqual(['one']);
  });

  it('the event list shows a narration line with », a marked send with ✗ and its rule', () => {
    expect(describeEvent(explain(1500, 0, 'hello'))).toBe('1.500 s  » hello');
    const send = {
      t: 0,
      kind: 'send',
      endpoint: 'a',
      from: 'a',
      to: 'b',
      id: 3,
      seg: { srcPort: 1, dstPort: 2, seq: 0, ack: 0, flags: ['ACK', 'FIN'], len: 0, win: 1 },
      divergence: { rule: 'rto-early', detail: 'x' },
    };
    expect(describeEvent(send)).toBe('0.000 s  send #3 a → b ACK,FIN len=0 ✗ rto-early');
  });
});
