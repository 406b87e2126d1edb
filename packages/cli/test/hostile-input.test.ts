/**
 * Hostile input, generated (fast-check): scenarios that break the schema in one place (a number
 * beyond its bounds or beyond 2^53, a wrong type, an unknown field, a second listen on a port, a
 * duplicate key, totals over the run limits), raw bytes and random JSON as scenario files, and
 * invalid or repeated flag values. Every one must end with exit 2 and a one-line message — no
 * stack frame, no internal error, nothing run. Most cases go through `main` in-process (fast, so
 * many cases); a sample of the same inputs goes through the real binary, whose top-level handler
 * is the last line of defence.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { main } from '../src/main.js';
import { describeResult, pool, synack, tempDir } from './helpers.js';

const tmp = tempDir('synack-hostile-');
afterAll(() => tmp.cleanup());

const STACK_FRAME = / {4}at /;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = Array<string | number>;

/** A valid scenario touching most of the schema: each case breaks exactly one thing in it. */
const BASE: Json = {
  name: 'base',
  seed: 1,
  maxTime: 100_000,
  endpoints: [
    {
      id: 'client',
      profileOverrides: { rtoMin: 200, synRetries: 3 },
      actions: [
        { at: 0, do: 'connect', to: 'server', port: 80 },
        { at: 100, do: 'send', bytes: 10 },
      ],
      reactions: [{ on: 'connected', do: 'close', after: 5 }],
    },
    { id: 'server', actions: [{ at: 0, do: 'listen', port: 80, backlog: 8 }] },
  ],
  network: {
    default: { loss: 0, delay: 10, jitter: 0, bandwidth: 1_000_000, queueLimit: 10 },
    faults: [{ match: { from: 'client', nth: 1 }, action: { delay: 5 } }],
  },
  expect: { ok: true },
};

function leaves(value: Json, path: Path = []): Array<{ path: Path; value: Json }> {
  if (value === null || typeof value !== 'object') return [{ path, value }];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return entries.flatMap(([k, v]) => leaves(v, [...path, k]));
}

function objects(value: Json, path: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  const here = Array.isArray(value) ? [] : [path];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [...here, ...entries.flatMap(([k, v]) => objects(v, [...path, k]))];
}

function setAt(root: Json, path: Path, value: Json): Json {
  const copy = structuredClone(root) as Record<string | number, Json>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, Json>;
  node[path.at(-1)!] = value;
  return copy;
}

const NUMBER_LEAVES = leaves(BASE).filter((l) => typeof l.value === 'number');
const ALL_LEAVES = leaves(BASE).filter((l) => l.path.at(-1) !== 'name' && l.path.at(-1) !== 'description');
const OBJECTS = objects(BASE);

/** Placeholder replaced in the text by an integer literal beyond 2^53 (no JS number can carry it). */
const HUGE = '__HUGE_INTEGER__';

/** A number no field accepts: every field is ≥ 0 and at most 10^12 (bandwidth). */
const outOfEveryRange = fc.oneof(
  fc.double({ min: 1e13, max: 1e300, noNaN: true }),
  fc.double({ min: -1e300, max: -1e-9, noNaN: true }),
  fc.integer({ min: -(2 ** 31), max: -1 }),
  fc.constantFrom(2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e308),
);

/** A value of the wrong type for `original`. */
function wrongType(original: Json): fc.Arbitrary<Json> {
  const choices: Array<fc.Arbitrary<Json>> = [
    fc.constant(null),
    fc.array(fc.integer(), { maxLength: 2 }),
    fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
  ];
  if (typeof original !== 'string') choices.push(fc.string({ maxLength: 12 }));
  if (typeof original !== 'boolean') choices.push(fc.boolean());
  if (typeof original !== 'number') choices.push(fc.integer());
  return fc.oneof(...choices);
}

const mutation: fc.Arbitrary<{ what: string; scenario: Json }> = fc.oneof(
  fc.record({ leaf: fc.constantFrom(...NUMBER_LEAVES), value: outOfEveryRange }).map(({ leaf, value }) => ({
    what: `${leaf.path.join('.')} = ${value}`,
    scenario: setAt(BASE, leaf.path, value),
  })),
  fc.constantFrom(...NUMBER_LEAVES).map((leaf) => ({
    what: `${leaf.path.join('.')} beyond 2^53`,
    scenario: setAt(BASE, leaf.path, HUGE),
  })),
  fc
    .constantFrom(...ALL_LEAVES)
    .chain((leaf) => wrongType(leaf.value).map((value) => ({ leaf, value })))
    .map(({ leaf, value }) => ({
      what: `${leaf.path.join('.')} = ${JSON.stringify(value)}`,
      scenario: setAt(BASE, leaf.path, value),
    })),
  fc
    .record({ at: fc.constantFrom(...OBJECTS), key: fc.string({ minLength: 1, maxLength: 8 }) })
    .map(({ at, key }) => ({
      what: `unknown field x_${key} at ${at.join('.') || '(root)'}`,
      scenario: setAt(BASE, [...at, `x_${key}`], 1),
    })),
  fc.constantFrom(
    {
      what: 'a second listen on port 80',
      scenario: setAt(BASE, ['endpoints', 1, 'actions', 1], { at: 5, do: 'listen', port: 80 }),
    },
    { what: 'duplicate endpoint id', scenario: setAt(BASE, ['endpoints', 1, 'id'], 'client') },
    {
      // LIMITS.endpoints (20,000 after group expansion; issue 24) plus BASE's own endpoints.
      what: '20,002 endpoints',
      scenario: setAt(
        BASE,
        ['groups'],
        [{ name: 'many', count: 20_000, id: 'h{i}', address: '10.9.{i/256}.{i%256}' }],
      ),
    },
    {
      what: 'sends over the per-run total',
      scenario: setAt(
        BASE,
        ['endpoints', 0, 'actions'],
        Array.from({ length: 5 }, () => ({ at: 1, do: 'send', bytes: 64 * 1024 * 1024 })),
      ),
    },
    {
      what: 'floods over the per-run total',
      scenario: setAt(
        BASE,
        ['endpoints', 0, 'actions'],
        Array.from({ length: 2 }, () => ({
          at: 1,
          do: 'syn-flood',
          to: 'server',
          port: 80,
          count: 1_000_000,
        })),
      ),
    },
  ),
);

/** The scenario as JSON or YAML text; with a duplicated key when `duplicate` (JSON only). */
function scenarioText(scenario: Json, syntax: 'json' | 'yaml', duplicate: boolean): string {
  let text = syntax === 'json' ? JSON.stringify(scenario, null, 1) : toYaml(scenario);
  text = text.replace(syntax === 'json' ? `"${HUGE}"` : HUGE, '9007199254740993');
  if (duplicate && syntax === 'json')
    text = text.replace('"name": "base"', '"name": "base", "name": "again"');
  return text;
}

let fileCounter = 0;
function writeScenario(text: string | Uint8Array, ext: string): string {
  const path = join(tmp.dir, `case-${fileCounter++}.${ext}`);
  writeFileSync(path, text);
  return path;
}

/** `synack …args` in-process: exit code and everything printed. */
async function runMain(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = {
    out: (t: string) => void (out += t),
    err: (t: string) => void (err += t),
    isTTY: false,
    color: false,
  };
  const code = await main(['node', 'synack', ...args], io);
  return { code, out, err };
}

function expectRejected(r: { code: number; out: string; err: string }, what: string): void {
  const shown = `${what}\nexit ${r.code}\nstdout: ${r.out.slice(0, 500)}\nstderr: ${r.err}`;
  expect(r.code, shown).toBe(2);
  expect(r.out, shown).toBe('');
  expect(r.err, shown).not.toMatch(STACK_FRAME);
  expect(r.err, shown).not.toMatch(/internal error/);
  // One line; commander may add a "(run with --help for usage)" hint.
  const lines = r.err.trimEnd().split('\n');
  expect(
    lines.slice(1).every((l) => /^\(.+\)$/.test(l)),
    shown,
  ).toBe(true);
}

describe('hostile scenarios (fast-check over the schema) → exit 2, no stack', () => {
  it('one broken field, in JSON or YAML, maybe with a duplicate key', async () => {
    await fc.assert(
      fc.asyncProperty(
        mutation,
        fc.constantFrom('json', 'yaml' as const),
        fc.boolean(),
        async (m, syntax, dup) => {
          const file = writeScenario(scenarioText(m.scenario, syntax, dup), syntax);
          expectRejected(await runMain(['run', file]), `${m.what} (${syntax})`);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a duplicate key alone is rejected in JSON as in YAML', async () => {
    for (const syntax of ['json', 'yaml'] as const) {
      const text =
        syntax === 'json'
          ? scenarioText(BASE, 'json', true)
          : toYaml(BASE).replace('name: base', 'name: base\nname: again');
      const r = await runMain(['run', writeScenario(text, syntax)]);
      expectRejected(r, `duplicate key (${syntax})`);
      expect(r.err).toMatch(/given twice|must be unique/);
    }
  });

  it('the unbroken base scenario runs (the mutations, not the base, are what fail)', async () => {
    const r = await runMain(['run', writeScenario(JSON.stringify(BASE), 'json'), '--format', 'jsonl']);
    expect(r.code, r.err).toBe(0);
  });
});

describe('raw bytes and random JSON as scenario files → exit 2, no stack', () => {
  it('random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 600 }),
        fc.constantFrom('json', 'yaml', 'yml'),
        async (bytes, ext) => {
          expectRejected(
            await runMain(['run', writeScenario(bytes, ext)]),
            `${bytes.length} random bytes as .${ext}`,
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it('random JSON values and strings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.json(), fc.string({ maxLength: 200 })),
        fc.constantFrom('json', 'yaml'),
        async (text, ext) => {
          expectRejected(
            await runMain(['run', writeScenario(text, ext)]),
            `${JSON.stringify(text).slice(0, 200)} as .${ext}`,
          );
        },
      ),
      { numRuns: 150 },
    );
  });
});

/** The `run` flags with a value, and exactly when the CLI accepts one (args.ts, the schema's LIMITS). */
const RUN_FLAGS: Record<string, (v: string) => boolean> = {
  '--seed': (v) => /^\d+$/.test(v.trim()) && Number(v) <= 0xffff_ffff,
  '--loss': (v) => isNumber(v) && Number(v) >= 0 && Number(v) <= 1,
  '--reorder': (v) => isNumber(v) && Number(v) >= 0 && Number(v) <= 1,
  '--duplicate': (v) => isNumber(v) && Number(v) >= 0 && Number(v) <= 1,
  '--delay': (v) => isNumber(v) && Number(v) >= 0 && Number(v) <= 3_600_000,
  '--jitter': (v) => isNumber(v) && Number(v) >= 0 && Number(v) <= 3_600_000,
  '--max-time': (v) => isNumber(v) && Number(v) > 0 && Number(v) <= 365 * 24 * 3_600_000,
  '--realtime': (v) => isNumber(v) && Number(v) >= 0.001 && Number(v) <= 1_000_000,
  '--format': (v) => ['text', 'jsonl', 'mermaid'].includes(v),
  '--profile': (v) => ['linux', 'rfc9293'].includes(v),
  '--pcap-at': () => false, // without --pcap it is always an error
  '--direction': (v) => ['client->server', 'server->client', 'both'].includes(v),
  '--lang': (v) => ['en', 'zh'].includes(v),
  '--pcap': (v) => v.trim() !== '' && false, // only generated as '' or into a missing directory
};

function isNumber(v: string): boolean {
  return v.trim() !== '' && Number.isFinite(Number(v));
}

const flagValue = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.double().map(String),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.constantFrom('', ' ', 'NaN', 'Infinity', '-0', '1e400', '0x10', '9007199254740993', '-1', '1e-400'),
);

describe('hostile flag values → exit 2, no stack', () => {
  it('an invalid value for any run flag', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(RUN_FLAGS)), flagValue, async (flag, raw) => {
        const value = flag === '--pcap' ? (raw.length % 2 ? '' : join(tmp.dir, 'missing', 'x.pcap')) : raw;
        fc.pre(!RUN_FLAGS[flag](value));
        expectRejected(
          await runMain(['run', 'handshake', `${flag}=${value}`]),
          `run ${flag}=${JSON.stringify(value)}`,
        );
      }),
      { numRuns: 300 },
    );
  });

  it('any value flag given twice, even with valid values', async () => {
    const valid: Record<string, string> = {
      '--seed': '1',
      '--loss': '0',
      '--delay': '5',
      '--max-time': '1000',
      '--format': 'text',
    };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(valid)), async (flag) => {
        const r = await runMain(['run', 'handshake', flag, valid[flag], flag, valid[flag]]);
        expectRejected(r, `${flag} twice`);
        expect(r.err).toContain(`${flag} is given more than once`);
      }),
      { numRuns: 10 },
    );
  });

  it('sweep grid and count flags with non-numbers, out-of-range numbers and huge ranges', async () => {
    const flags = [
      '--loss',
      '--reorder',
      '--duplicate',
      '--delay',
      '--jitter',
      '--runs',
      '--concurrency',
      '--seed',
    ];
    const hostile = fc.oneof(
      fc.string({ maxLength: 10 }).filter((s) => /[^0-9.,:eE+\- ]/.test(s) || s.trim() === ''),
      fc.constantFrom('-1', '1e400', '0:1:0', '0:1e300:1', '1:0:1', '0,0', '2', '0:1:1e-9', '1e20', '0x'),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...flags), hostile, async (flag, value) => {
        // `--delay 2` and `--runs 2` are valid: only probabilities take no 2.
        fc.pre(!(value === '2' && !['--loss', '--reorder', '--duplicate'].includes(flag)));
        fc.pre(!(value === '1e20' && flag === '--delay'));
        const r = await runMain(['sweep', `${flag}=${value}`, '--out', join(tmp.dir, 'never')]);
        expectRejected(r, `sweep ${flag}=${JSON.stringify(value)}`);
      }),
      { numRuns: 200 },
    );
  });
});

describe('the same hostile inputs through the real binary', () => {
  it('a sample of broken scenarios and flag values: exit 2, one line, no stack', async () => {
    const scenarios = fc.sample(fc.tuple(mutation, fc.constantFrom('json', 'yaml' as const)), {
      numRuns: 8,
      seed: 19,
    });
    const cases = scenarios.map(([m, syntax]) => [
      'run',
      writeScenario(scenarioText(m.scenario, syntax, false), syntax),
    ]);
    cases.push(['run', writeScenario(new Uint8Array([0xff, 0xfe, 0x00, 0x7b, 0x22]), 'json')]);
    cases.push(['run', 'handshake', '--delay', '9007199254740993']);
    cases.push(['run', 'handshake', '--seed', '99999999999999999999']);
    cases.push(['sweep', '--loss', '0:1:1e-12', '--out', join(tmp.dir, 'never')]);
    const results = await pool(
      cases.map((args) => () => synack(args)),
      2,
    );
    for (const r of results) {
      expect(r.code, describeResult(r)).toBe(2);
      expect(r.stdout, describeResult(r)).toBe('');
      expect(r.stderr, describeResult(r)).not.toMatch(STACK_FRAME);
      expect(r.stderr, describeResult(r)).not.toMatch(/internal error/);
    }
  });
});
