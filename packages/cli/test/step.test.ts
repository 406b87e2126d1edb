/**
 * `synack run --step` (issue 21 item 6): one event per key, from an injected key stream (no
 * terminal, no clock), and `--skip-time-wait`'s line. Without a terminal on stdin: exit 2.
 */
import { Readable } from 'node:stream';
import type { TraceEvent } from '@synack/network';
import { describe, expect, it } from 'vitest';
import { main } from '../src/main.js';
import { keysOf, ladderSteps, stepThrough } from '../src/step.js';
import { TimeWaitSkippingPacer } from '../src/time-wait-pacer.js';
import { synack } from './helpers.js';

/** `synack run ARGS --step` in this process, its keys read from `typed`. */
async function step(args: string[], typed: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = {
    out: (t: string) => void (out += t),
    err: (t: string) => void (err += t),
    isTTY: false,
    color: false,
    stdinIsTTY: true,
    keys: () => keysOf(Readable.from(typed)),
  };
  const code = await main(['node', 'synack', 'run', ...args, '--step', '--threads', 'inline'], io);
  return { code, out, err };
}

const eventRows = (s: string) => s.split('\n').filter((l) => /^\s*\d+\.\d{3}( s)? {2}/.test(l));

describe('stepThrough', () => {
  const steps = ['a', 'b', 'c TIME_WAIT → CLOSED', 'd'];
  const run = async (keys: string) => {
    let out = '';
    const shown = await stepThrough(steps, keysOf(Readable.from([keys])), (t) => void (out += t));
    return { shown, out };
  };

  it('shows the first step, then one per space or enter; q stops; other keys do nothing', async () => {
    expect(await run(' x\r')).toEqual({ shown: 3, out: 'a\nb\nc TIME_WAIT → CLOSED\n' });
    expect(await run('q  ')).toEqual({ shown: 1, out: 'a\n' });
    expect((await run('        ')).shown).toBe(4);
  });

  it('t shows every step up to the end of TIME_WAIT at once', async () => {
    expect(await run('t')).toEqual({ shown: 3, out: 'a\nb\nc TIME_WAIT → CLOSED\n' });
  });

  it('cuts a ladder into its heading and steps, narration and fold lines kept with their step', () => {
    const ladder = '  time  a  b\n 0.000 s  x\n   » note\n     … 3 more …\n 1.000 s  y\n';
    expect(ladderSteps(ladder)).toEqual({
      heading: '  time  a  b',
      steps: [' 0.000 s  x\n   » note', '     … 3 more …', ' 1.000 s  y'],
    });
  });
});

describe('synack run --step', () => {
  it('prints the header and one event per key, then the summary after q', async () => {
    const r = await step(['lifecycle', '--no-color'], [' ', '\r', 'q']);
    expect(r.code).toBe(0);
    expect(eventRows(r.out)).toHaveLength(3);
    expect(r.out).toMatch(/^synack run lifecycle /);
    expect(r.out).toMatch(/run completed at .*\n.*final states/);
    expect(r.err).toMatch(/space or enter: next event/);
  });

  it('t fast-forwards past TIME_WAIT, with --skip-time-wait its line', async () => {
    const r = await step(['lifecycle', '--no-color', '--skip-time-wait'], ['t', 'q']);
    const rows = r.out.split('\n');
    const skipped = rows.findIndex((l) => /… TIME_WAIT 60 s skipped …/.test(l));
    expect(skipped).toBeGreaterThan(0);
    expect(rows[skipped + 1]).toMatch(/60\.520 s\s+TIME_WAIT → CLOSED/);
    expect(rows.slice(skipped + 2).filter((l) => /^\s*\d+\.\d{3} s/.test(l))).toEqual([]);
  });

  it('needs a terminal on stdin: one line, exit 2', async () => {
    const r = await synack(['run', 'handshake', '--step']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      'synack: --step needs a terminal: standard input is not one (it reads one key per event)',
    ]);
    expect(r.stdout).toBe('');
  });
});

describe('--skip-time-wait', () => {
  it('marks the TIME_WAIT period with one line, in English and Chinese', async () => {
    const [en, zh, plain] = await Promise.all([
      synack(['run', 'lifecycle', '--no-color', '--skip-time-wait']),
      synack(['run', 'lifecycle', '--no-color', '--skip-time-wait', '--lang', 'zh']),
      synack(['run', 'lifecycle', '--no-color']),
    ]);
    expect(en.stdout.match(/… TIME_WAIT 60 s skipped …/g)).toHaveLength(1);
    expect(zh.stdout.match(/…… 跳过 时间等待 60 秒 ……/g)).toHaveLength(1);
    expect(plain.stdout).not.toMatch(/skipped/);
  });
});

describe('--realtime --skip-time-wait pacing', () => {
  /** A fake clock: sleeping moves it on, nothing else does. */
  function fakeClock() {
    const clock = {
      t: 1000,
      slept: 0,
      now: () => clock.t,
      sleep: async (ms: number) => {
        clock.t += ms;
        clock.slept += ms;
      },
    };
    return clock;
  }
  const state = (t: number, from: string, to: string) =>
    ({ kind: 'state', t, endpoint: 'client', conn: 'c1', from, to }) as unknown as TraceEvent;

  it('waits for the virtual time before TIME_WAIT and passes over the TIME_WAIT period', async () => {
    const clock = fakeClock();
    const pacer = new TimeWaitSkippingPacer(2, clock);
    await pacer.step(0);
    await pacer.step(500);
    pacer.observe(state(500, 'FIN_WAIT_2', 'TIME_WAIT'));
    await pacer.step(510);
    await pacer.step(60_500); // leaves TIME_WAIT here
    pacer.observe(state(60_500, 'TIME_WAIT', 'CLOSED'));
    await pacer.step(61_500);
    // 500 ms before TIME_WAIT and 1000 ms after it, at twice real speed; 60 s passed over.
    expect(pacer.skipped).toBe(60_000);
    expect(clock.slept).toBe(750);
  });

  it('paces every step without TIME_WAIT', async () => {
    const clock = fakeClock();
    const pacer = new TimeWaitSkippingPacer(1, clock);
    for (const t of [0, 1000, 3000]) await pacer.step(t);
    expect(clock.slept).toBe(3000);
    expect(pacer.skipped).toBe(0);
  });
});
