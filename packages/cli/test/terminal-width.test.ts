/**
 * The classroom terminal (issue 21 item 6): `synack run --width N` fits every line of every
 * built-in scenario, in English and Chinese, with and without --explain, in N columns. Widths
 * are measured with the `string-width` package (East Asian Width, ANSI codes left out), not with
 * the CLI's own measure, so that a mistake in that measure cannot hide a line too wide.
 */
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { main } from '../src/main.js';
import { SCENARIOS } from '../src/scenarios.js';
import { fitLines, widthArg, wrapToWidth } from '../src/terminal-width.js';
import { WHY_QUESTIONS } from '../src/why.js';
import { synack } from './helpers.js';

/** `synack ARGS` in this process (endpoints inline: the same trace, no worker start-up per run). */
async function runInProcess(args: string[], inline = true): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const io = { out: (t: string) => void (stdout += t), err: () => {}, isTTY: false, color: false };
  // `synack why` has no --threads: its runs take the default placement.
  const code = await main(['node', 'synack', ...args, ...(inline ? ['--threads', 'inline'] : [])], io);
  return { code, stdout };
}

/** Wall-clock seconds in a summary line, which differ from run to run. */
const wall = (s: string) => s.replace(/\d+\.\d\d s wall/, 'N s wall');

/**
 * Lines wider than `width`, and ladder rows the compact layout did not fit by itself (the last
 * resort of run.ts, wrapping a row with a 4-space indent, would break the lanes): in the ladder
 * (from its heading to the first empty line) every row starts with a time or with the empty
 * time column.
 */
function tooWide(stdout: string, width: number): string[] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => /^\s*(time \(s\)|时间（秒）) {2}/.test(l));
  const end = lines.indexOf('', start);
  const broken = lines.slice(start + 1, end).filter((l) => !/^\s*\d+\.\d{3} {2}|^ {8}/.test(l));
  return [...lines.filter((line) => stringWidth(line) > width), ...broken.map((l) => `broken: ${l}`)];
}

/** As tooWide, for output holding several ladders (`synack why`: one per run): every ladder checked. */
function tooWideLadders(stdout: string, width: number): string[] {
  const lines = stdout.split('\n');
  const broken: string[] = [];
  lines.forEach((line, start) => {
    if (!/^\s*(time \(s\)|时间（秒）) {2}/.test(line)) return;
    const end = lines.indexOf('', start);
    for (const row of lines.slice(start + 1, end))
      if (!/^\s*\d+\.\d{3} {2}|^ {8}/.test(row)) broken.push(`broken: ${row}`);
  });
  return [...lines.filter((line) => stringWidth(line) > width), ...broken];
}

describe('wrapping to a width', () => {
  it('breaks English at spaces and Chinese between characters, counting a CJK character as 2', () => {
    expect(wrapToWidth('seq=1 ack=1025 len=1024', 15)).toEqual(['seq=1 ack=1025', 'len=1024']);
    const zh = wrapToWidth('服务器确认客户端的数据段', 10);
    expect(zh).toEqual(['服务器确认', '客户端的数', '据段']);
    for (const line of zh) expect(stringWidth(line)).toBeLessThanOrEqual(10);
  });

  it('wraps only the lines that are too wide, continuation lines indented', () => {
    expect(fitLines('short\nthis line is far too long for ten\n', 12, 2)).toBe(
      'short\nthis line is\n  far too\n  long\n  for ten\n',
    );
  });

  it('bounds --width to 40..1000 columns', () => {
    expect(widthArg('80')).toBe(80);
    for (const bad of ['39', '1001', '80.5', 'wide', '']) expect(() => widthArg(bad)).toThrow(/\[40, 1000\]/);
  });
});

const CASES = SCENARIOS.flatMap((s) =>
  ['en', 'zh'].flatMap((lang) => [false, true].map((explain) => ({ name: s.name, lang, explain }))),
);

describe('synack run --width 80', () => {
  it('has no line wider than 80 columns for every built-in scenario, en and zh, with and without --explain', async () => {
    const results = [];
    for (const c of CASES) {
      const args = ['run', c.name, '--width', '80', '--lang', c.lang, '--no-color'];
      const r = await runInProcess(c.explain ? [...args, '--explain'] : args);
      results.push({ ...c, code: r.code, wide: tooWide(r.stdout, 80), lines: r.stdout.split('\n').length });
    }
    for (const r of results) {
      expect(r.code, `${r.name} ${r.lang}`).toBe(0);
      expect(r.wide, `${r.name} --lang ${r.lang}${r.explain ? ' --explain' : ''}`).toEqual([]);
      expect(r.lines).toBeGreaterThan(10);
    }
  }, 600_000);

  it('drops the absolute numbers and window in the compact layout; the wide layout stays for pipes', async () => {
    const [wide, compact, narrow] = await Promise.all([
      synack(['run', 'lifecycle', '--no-color']),
      synack(['run', 'lifecycle', '--no-color', '--compact']),
      synack(['run', 'lifecycle', '--no-color', '--width', '80']),
    ]);
    expect(wide.stdout).toMatch(/abs seq=\d+ .*win=\d+/);
    expect(tooWide(wide.stdout, 120).length).toBeGreaterThan(0);
    for (const r of [compact, narrow]) {
      expect(r.stdout).not.toMatch(/abs seq=|win=\d/);
      expect(r.stdout).toMatch(/├─+ SYN seq=0 ─+▶/);
      expect(tooWide(r.stdout, 80)).toEqual([]);
    }
    expect(wall(narrow.stdout)).toBe(wall(compact.stdout));
  });

  it('keeps the wide layout when it fits the width', async () => {
    const [wide, roomy] = await Promise.all([
      synack(['run', 'handshake', '--no-color']),
      synack(['run', 'handshake', '--no-color', '--width', '1000']),
    ]);
    expect(wall(roomy.stdout)).toBe(wall(wide.stdout));
  });

  it('rejects a width out of bounds with one line and exit 2', async () => {
    const r = await synack(['run', 'handshake', '--width', '20']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--width.*\[40, 1000\], got "20"/);
  });
});

describe('synack why --compact', () => {
  const cases = WHY_QUESTIONS.flatMap((q) =>
    ['en', 'zh'].flatMap((lang) => [false, true].map((explain) => ({ name: q.name, lang, explain }))),
  );

  it('fits every answer in 80 columns, en and zh, with and without --explain; piped output stays wide', async () => {
    const results = [];
    for (const c of cases) {
      const args = ['why', c.name, '--compact', '--lang', c.lang, '--no-color'];
      const r = await runInProcess(c.explain ? [...args, '--explain'] : args, false);
      const ladders = r.stdout.split('\n').filter((l) => /^\s*(time \(s\)|时间（秒）) {2}/.test(l)).length;
      results.push({ ...c, code: r.code, ladders, wide: tooWideLadders(r.stdout, 80) });
    }
    for (const r of results) {
      const what = `why ${r.name} --lang ${r.lang}${r.explain ? ' --explain' : ''}`;
      expect(r.code, what).toBe(0);
      expect(r.ladders, what).toBe(2);
      expect(r.wide, what).toEqual([]);
    }
    // Without --compact or --width, a pipe gets the wide ladders and unwrapped prose as before.
    const piped = await runInProcess(['why', 'random-isn', '--no-color'], false);
    expect(tooWideLadders(piped.stdout, 80).length).toBeGreaterThan(0);
  }, 600_000);

  it('--width 100 lets the wide ladder through where it fits and wraps the prose at 100', async () => {
    const r = await runInProcess(['why', 'time-wait', '--width', '100', '--no-color'], false);
    expect(r.code).toBe(0);
    expect(tooWideLadders(r.stdout, 100)).toEqual([]);
  }, 120_000);

  it('rejects a width out of bounds with one line and exit 2', async () => {
    const r = await synack(['why', 'time-wait', '--width', '1001']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--width.*\[40, 1000\], got "1001"/);
  });
});
