/**
 * The narration catalogues (src/explain/en.ts, zh.ts) and the narrator (src/explain/narrate.ts):
 * both languages have the same keys with the same placeholders, and every number a handshake or
 * teardown narration states is the number on the wire in the trace it narrates (runs use the
 * real worker-thread simulation through runScenario).
 */
import type { TraceEvent } from '@synack/network';
import { beforeAll, describe, expect, it } from 'vitest';
import { en, type MessageKey } from '../src/explain/en.js';
import {
  explainAnnotator,
  format,
  type Lang,
  type Narration,
  narrate,
  placeholders,
  withExplainEvents,
} from '../src/explain/index.js';
import { zh } from '../src/explain/zh.js';
import { type Output, runScenario } from '../src/run.js';
import { findScenario, type Scenario } from '../src/scenarios.js';

const SILENT: Output = { out: () => {}, err: () => {}, isTTY: false };

/** Narrations about one segment of a handshake or a teardown step, whose numbers are checked. */
const STEP_KEYS = new Set<MessageKey>([
  'hs.1',
  'hs.1.retx',
  'hs.2',
  'hs.2.retx',
  'hs.2.cookie',
  'hs.2.twoWay',
  'hs.3',
  'hs.3.data',
  'close.1',
  'close.1.data',
  'close.2',
  'close.23',
  'close.3',
  'close.4',
  'close.sim',
  'close.simAck',
  'close.reack',
  'fin.retx',
  'simopen.syn',
  'simopen.synack',
]);

/** The Linux-profile three-way close: the server closes as soon as it reads EOF. */
const THREE_WAY_CLOSE: Scenario = {
  name: 'three-way-close',
  description: 'server closes on EOF at once',
  profile: 'linux',
  endpoints: [
    {
      id: 'client',
      actions: [
        { at: 0, do: 'connect', to: 'server', port: 80 },
        { at: 100, do: 'send', bytes: 200 },
        { at: 150, do: 'close' },
      ],
    },
    {
      id: 'server',
      actions: [{ at: 0, do: 'listen', port: 80 }],
      reactions: [{ on: 'peer-closed', do: 'close' }],
    },
  ],
  network: { default: { delay: 10 } },
};

const traces = new Map<string, readonly TraceEvent[]>();

async function trace(name: string): Promise<readonly TraceEvent[]> {
  const cached = traces.get(name);
  if (cached) return cached;
  const scenario = name === THREE_WAY_CLOSE.name ? THREE_WAY_CLOSE : findScenario(name);
  if (!scenario) throw new Error(`no scenario ${name}`);
  const outcome = await runScenario(scenario, { format: 'jsonl' }, SILENT);
  expect(outcome.result.ok, `${name}: ${outcome.result.error}`).toBe(true);
  traces.set(name, outcome.result.trace);
  return outcome.result.trace;
}

interface NumberExpr {
  field: 'seq' | 'ack';
  name?: 'x' | 'y';
  offset: number;
  value: number;
}

/** "seq = x+1 = 1001", "ack = y = 5000", "seq = 90" → parsed. */
function numbersIn(text: string): NumberExpr[] {
  const out: NumberExpr[] = [];
  for (const m of text.matchAll(/\b(seq|ack) = (?:([xy])(?:([+-])(\d+))? = )?(\d+)/g)) {
    out.push({
      field: m[1] as 'seq' | 'ack',
      name: m[2] as 'x' | 'y' | undefined,
      offset: m[3] ? (m[3] === '-' ? -1 : 1) * Number(m[4]) : 0,
      value: Number(m[5]),
    });
  }
  return out;
}

const SCENARIOS = [
  'lifecycle',
  'handshake',
  'handshake-with-data',
  'lost-syn',
  'lost-synack',
  'lost-final-ack',
  'half-close',
  'simultaneous-open',
  'simultaneous-close',
  'old-duplicate-syn',
  'half-open',
  'half-open-keepalive',
  'rst-abort',
  'syn-cookies',
  THREE_WAY_CLOSE.name,
];

describe('the catalogues', () => {
  it('have the same keys in English and Chinese', () => {
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
  });

  it('use the same placeholders for every key in both languages', () => {
    for (const key of Object.keys(en) as MessageKey[]) {
      expect(placeholders(zh[key]), `placeholders of "${key}"`).toEqual(placeholders(en[key]));
      expect(zh[key].trim(), `zh "${key}" is empty`).not.toBe('');
    }
  });

  it('are translated: every sentence-long Chinese text contains Chinese', () => {
    for (const key of Object.keys(en) as MessageKey[]) {
      if (en[key].length > 20) expect(zh[key], key).toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it('fill named placeholders and refuse a missing one', () => {
    expect(format('en', 'hs.1', { side: 'client', seq: 'x = 1000', state: 'SYN_SENT' })).toBe(
      '1st handshake: client sends a SYN carrying its initial sequence number (seq = x = 1000); client enters SYN_SENT',
    );
    expect(
      format('zh', 'hs.2', {
        side: '服务器',
        peer: '客户端',
        ack: 'x+1 = 1001',
        seq: 'y = 5000',
        state: 'SYN_RECEIVED',
      }),
    ).toBe(
      '第二次握手：服务器确认客户端的 SYN（ack = x+1 = 1001），同时发送自己的 SYN（seq = y = 5000），服务器进入 SYN_RECEIVED 状态',
    );
    expect(() => format('en', 'hs.1', { side: 'client' })).toThrow(/needs \{seq\}/);
  });
});

describe('narration numbers are the trace’s numbers', () => {
  beforeAll(async () => {
    for (const name of SCENARIOS) await trace(name);
  });

  for (const lang of ['en', 'zh'] as Lang[]) {
    it(`${lang}: every seq/ack in a handshake or teardown step equals the segment's, and x/y offsets add up`, async () => {
      let checked = 0;
      for (const name of SCENARIOS) {
        const events = await trace(name);
        const isn = new Map<string, number>();
        for (const n of narrate(events, lang, { strict: true })) {
          if (!STEP_KEYS.has(n.key)) continue;
          const e = events[n.ref];
          expect(e.kind, `${name}: ${n.key} refers to a segment`).toBe('send');
          if (e.kind !== 'send') continue;
          const nums = numbersIn(n.text);
          expect(nums.length, `${name}: numbers in "${n.text}"`).toBeGreaterThan(0);
          for (const num of nums) {
            expect(num.value, `${name} ${n.key} ${num.field} in "${n.text}"`).toBe(e.seg[num.field]);
            if (num.name === undefined) continue;
            // x and y are the ISNs: an offset of 0 defines them, every other use must add up.
            const base = num.value - num.offset;
            if (num.offset === 0 && !isn.has(`${name}/${num.name}`)) isn.set(`${name}/${num.name}`, base);
            checked++;
          }
        }
        // Within a run the last-defined x and y stay consistent (new incarnations redefine them).
        for (const n of narrate(events, lang).filter((m) => STEP_KEYS.has(m.key))) {
          for (const num of numbersIn(n.text)) {
            if (num.name && num.offset === 0) isn.set(`${name}/${num.name}`, num.value);
            const base = num.name ? isn.get(`${name}/${num.name}`) : undefined;
            if (base !== undefined) expect((base + num.offset) >>> 0, `${name}: "${n.text}"`).toBe(num.value);
          }
        }
      }
      expect(checked).toBeGreaterThan(100);
    });
  }

  it('lifecycle: one narration per handshake step and per wave, in order, with x and y', async () => {
    const events = await trace('lifecycle');
    const steps = narrate(events, 'en').filter((n) => STEP_KEYS.has(n.key));
    expect(steps.map((n) => n.key)).toEqual([
      'hs.1',
      'hs.2',
      'hs.3',
      'close.1',
      'close.2',
      'close.3',
      'close.4',
    ]);
    const syn = events[steps[0].ref];
    const synAck = events[steps[1].ref];
    if (syn.kind !== 'send' || synAck.kind !== 'send') throw new Error('not segments');
    const x = syn.seg.seq;
    const y = synAck.seg.seq;
    expect(steps[0].text).toContain(`seq = x = ${x}`);
    expect(steps[1].text).toContain(`ack = x+1 = ${(x + 1) >>> 0}`);
    expect(steps[1].text).toContain(`seq = y = ${y}`);
    expect(steps[2].text).toContain(`ack = y+1 = ${(y + 1) >>> 0}`);
    // 1 KiB each way, then the FINs: x+1025, y+1025 and their ACKs +1.
    expect(steps[3].text).toContain(`seq = x+1025 = ${(x + 1025) >>> 0}`);
    expect(steps[4].text).toContain(`ack = x+1026 = ${(x + 1026) >>> 0}`);
    expect(steps[5].text).toContain(`seq = y+1025 = ${(y + 1025) >>> 0}`);
    expect(steps[6].text).toContain(`ack = y+1026 = ${(y + 1026) >>> 0}`);
  });

  it('three-way close: the combined ACK+FIN is said to be one segment', async () => {
    const events = await trace(THREE_WAY_CLOSE.name);
    const keys = narrate(events, 'en').map((n) => n.key);
    expect(keys).toContain('close.23');
    expect(keys).not.toContain('close.2');
    expect(keys).not.toContain('close.3');
    const combined = narrate(events, 'zh').find((n) => n.key === 'close.23') as Narration;
    expect(combined.text).toContain('三次挥手');
    const seg = events[combined.ref];
    expect(seg.kind === 'send' && seg.seg.flags).toEqual(['ACK', 'FIN']);
  });

  it('narration is generated, not canned: different runs give different numbers', async () => {
    const a = narrate(await trace('handshake'), 'en').find((n) => n.key === 'hs.1') as Narration;
    const b = narrate(await trace('half-open'), 'en').filter((n) => n.key === 'hs.1')[1] as Narration;
    expect(a.text).not.toBe(b.text);
  });

  it('every narration fills its template (all placeholders given) in both languages', async () => {
    for (const name of SCENARIOS) {
      for (const lang of ['en', 'zh'] as Lang[]) {
        for (const n of narrate(await trace(name), lang, { strict: true })) {
          expect(n.text).toBe(format(lang, n.key, n.params));
          expect(n.text).not.toMatch(/\{\w+\}|undefined|NaN/);
        }
      }
    }
  });
});

describe('explain events', () => {
  it('follow the event they explain, refer to it by index, and leave the summary last', async () => {
    const events = await trace('lifecycle');
    const annotate = explainAnnotator('en')(events);
    const out = withExplainEvents(events, annotate, 'en');
    expect(out[out.length - 1].kind).toBe('summary');
    const plain = out.filter((e) => e.kind !== 'explain');
    expect(plain).toEqual([...events]);
    let lastTrace = -1;
    for (const e of out) {
      if (e.kind !== 'explain') {
        lastTrace++;
        continue;
      }
      expect(e).toMatchObject({ kind: 'explain', endpoint: '*', lang: 'en', ref: lastTrace });
      expect(e.t).toBe(events[e.ref].t);
    }
    expect(out.length - events.length).toBe(narrate(events, 'en').length);
  });
});
