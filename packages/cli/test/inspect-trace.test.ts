/**
 * `synack inspect --trace FILE`: a recorded trace is checked line by line against the trace
 * contract before anything is served (a bad line → one line naming it, exit 2), then served.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { narratedStream } from '../src/inspect.js';
import { parseRecordedTrace } from '../src/trace-file.js';
import { describeResult, synack, tempDir } from './helpers.js';

const seg = (flags: string[], seq: number, ack: number) => ({
  srcPort: 40000,
  dstPort: 80,
  seq,
  ack,
  flags,
  len: 0,
  win: 65535,
});
/** A short trace in the shape `synack run --format jsonl` writes (meta line first). */
const GOOD = [
  {
    t: 0,
    kind: 'meta',
    endpoint: '*',
    schemaVersion: 1,
    synackVersion: '0.1.0',
    seed: 1,
    profile: 'linux',
    configHash: 'x',
  },
  { t: 0, kind: 'state', endpoint: 'client', conn: 'c', from: 'CLOSED', to: 'SYN_SENT' },
  { t: 0, kind: 'send', endpoint: 'client', from: 'client', to: 'server', id: 1, seg: seg(['SYN'], 100, 0) },
  {
    t: 1,
    kind: 'deliver',
    endpoint: 'server',
    from: 'client',
    to: 'server',
    id: 1,
    seg: seg(['SYN'], 100, 0),
  },
  { t: 2, kind: 'timer', endpoint: 'client', conn: 'c', timer: 'retransmit', action: 'start' },
  { t: 3, kind: 'summary', endpoint: '*', ok: true, final: { client: ['SYN_SENT'] } },
];
const lines = (events: unknown[]) => events.map((e) => JSON.stringify(e)).join('\n');

const tmp = tempDir('synack-trace-');
afterAll(() => tmp.cleanup());

describe('trace contract check', () => {
  it('accepts a well-formed trace and keeps the meta line apart', () => {
    const trace = parseRecordedTrace(lines(GOOD), 'run.jsonl');
    expect(trace.meta).toMatchObject({ profile: 'linux', seed: 1 });
    expect(trace.events.map((e) => e.kind)).toEqual(['state', 'send', 'deliver', 'timer', 'summary']);
  });

  const broken: Array<[string, (events: Record<string, unknown>[]) => void, RegExp]> = [
    ['an unknown kind', (e) => (e[2].kind = 'sent'), /line 3: unknown "kind" "sent"/],
    ['a negative time', (e) => (e[1].t = -1), /line 2: "t" must be a number/],
    ['time going back', (e) => (e[4].t = 0.5), /line 5: time 0.5 goes back \(after 1\)/],
    ['a state without "to"', (e) => delete e[1].to, /line 2: state: "to" must be a string/],
    [
      'a port out of range',
      (e) => (e[2].seg = { ...seg(['SYN'], 1, 0), srcPort: 70000 }),
      /line 3: send: "seg.srcPort"/,
    ],
    ['an unknown flag', (e) => (e[3].seg = seg(['SYNN'], 1, 0)), /line 4: deliver: "seg.flags"/],
    ['a summary without ok', (e) => delete e[5].ok, /line 6: summary: "ok" must be a boolean/],
    ['no endpoint', (e) => delete e[4].endpoint, /line 5: "endpoint" must be a non-empty string/],
  ];
  for (const [what, edit, message] of broken) {
    it(`rejects ${what}, naming the line`, () => {
      const events = structuredClone(GOOD) as Record<string, unknown>[];
      edit(events);
      expect(() => parseRecordedTrace(lines(events), 'run.jsonl')).toThrow(message);
    });
  }

  it('accepts the narration lines of `synack run --explain --format jsonl`, kept apart; a bad one is named', () => {
    const explain = { t: 0, kind: 'explain', endpoint: '*', lang: 'zh', text: '第一次握手', ref: 1 };
    const withNarration = [...GOOD.slice(0, 3), explain, ...GOOD.slice(3)];
    const trace = parseRecordedTrace(lines(withNarration), 'run.jsonl');
    expect(trace.events).toHaveLength(5);
    expect(trace.explain).toEqual([explain]);
    const badLang = withNarration.map((e) => (e === explain ? { ...e, lang: 'fr' } : e));
    expect(() => parseRecordedTrace(lines(badLang), 'f')).toThrow(
      /^f: line 4: explain: "lang" must be one of en, zh$/,
    );
    const noRef = withNarration.map((e) => (e === explain ? { ...e, ref: -1 } : e));
    expect(() => parseRecordedTrace(lines(noRef), 'f')).toThrow(/line 4: explain: "ref"/);
  });

  it('rejects a line that is not JSON, and a file with no events', () => {
    expect(() => parseRecordedTrace(`${lines(GOOD)}\n{"t":4,`, 'f')).toThrow(/^f: line 7: not valid JSON$/);
    expect(() => parseRecordedTrace('\n\n', 'f')).toThrow(/no trace events/);
  });
});

describe('synack inspect --trace', () => {
  it('serves a good trace (and exits at once with --exit-when-done)', async () => {
    const path = tmp.write('good.jsonl', lines(GOOD));
    const r = await synack(['inspect', '--trace', path, '--exit-when-done']);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toMatch(/^inspector: http:\/\/127\.0\.0\.1:\d+\/$/m);
  });

  it('a bad line is a one-line error naming it, exit 2, nothing served', async () => {
    const events = structuredClone(GOOD) as Record<string, unknown>[];
    events[3].seg = 'SYN';
    const path = tmp.write('bad.jsonl', lines(events));
    const r = await synack(['inspect', '--trace', path, '--exit-when-done']);
    expect(r.code, describeResult(r)).toBe(2);
    expect(r.stderr).toBe(`synack: ${path}: line 4: deliver: "seg" must be an object\n`);
    expect(r.stdout).toBe('');
  });

  it('a trace recorded with --explain opens (the narration lines used to be refused)', async () => {
    const run = await synack(['run', 'handshake', '--explain', '--format', 'jsonl']);
    expect(run.code, describeResult(run)).toBe(0);
    expect(run.stdout).toContain('"kind":"explain"');
    const r = await synack([
      'inspect',
      '--trace',
      tmp.write('explained.jsonl', run.stdout),
      '--exit-when-done',
    ]);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stderr).toBe('');
    const bad = await synack(['inspect', '--trace', tmp.write('x.jsonl', lines(GOOD)), '--lang', 'fr']);
    expect(bad.code).toBe(2);
  });

  it('a missing file, or a scenario as well, is a usage error', async () => {
    const missing = await synack(['inspect', '--trace', `${tmp.dir}/nope.jsonl`]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--trace .*nope\.jsonl: cannot read \(ENOENT\)\n$/);
    const both = await synack(['inspect', 'lifecycle', '--trace', tmp.write('g.jsonl', lines(GOOD))]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/give it or a scenario/);
  });
});

describe('narration served with a recorded trace', () => {
  const quiet = { out: () => {}, err: () => {}, isTTY: false };
  const trace = async () => {
    const run = await synack(['run', 'handshake', '--format', 'jsonl']);
    expect(run.code, describeResult(run)).toBe(0);
    return parseRecordedTrace(run.stdout, 'handshake');
  };

  it('narrates a trace without narration (en by default, zh on request), each line after its event', async () => {
    const { events } = await trace();
    const en = narratedStream(events, quiet, {});
    const explainEn = en.filter((e) => e.kind === 'explain');
    expect(explainEn.length).toBeGreaterThan(2);
    expect(en.filter((e) => e.kind !== 'explain')).toEqual(events);
    const first = en.findIndex((e) => e.kind === 'explain');
    expect(en[first - 1]).toBe(events[(en[first] as { ref: number }).ref]);
    expect((en[first] as { text: string }).text).toMatch(/^1st handshake: client sends a SYN/);
    const zh = narratedStream(events, quiet, { lang: 'zh' }).filter((e) => e.kind === 'explain');
    expect(zh).toHaveLength(explainEn.length);
    expect((zh[0] as { text: string; lang: string }).text).toMatch(/^第一次握手/);
  });

  it("keeps a file's own narration, or narrates it again in another language", async () => {
    const { events } = await trace();
    const own = [
      { t: 0, kind: 'explain' as const, endpoint: '*' as const, lang: 'en' as const, text: 'mine', ref: 0 },
    ];
    const kept = narratedStream(events, quiet, { own });
    expect(kept.filter((e) => e.kind === 'explain').map((e) => (e as { text: string }).text)).toEqual([
      'mine',
    ]);
    const again = narratedStream(events, quiet, { own, lang: 'zh' }).filter((e) => e.kind === 'explain');
    expect((again[0] as { text: string }).text).toMatch(/^第一次握手/);
  });
});
