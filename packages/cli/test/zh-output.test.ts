/**
 * Chinese mode is Chinese (issue 21 item 5): the ladder of every built-in scenario and every
 * `why` answer in `--lang zh` may contain Latin letters only in the words whitelisted below
 * (flags, state names, protocol fields and acronyms, identifiers of endpoints, scenarios and
 * commands, x/y naming the ISNs). An English word that slips in fails the test with its line.
 */
import { describe, expect, it } from 'vitest';
import { closeCjkGaps } from '../src/explain/catalog.js';
import { fitLabel } from '../src/ladder.js';
import { StateNamer } from '../src/ladder-text.js';
import { pool, SCENARIO_NAMES, synack } from './helpers.js';

/** Words of the textbook notation and of the protocol that a Chinese text keeps as they are. */
const ALLOWED = new Set([
  // flags and segment kinds (RFC 9293 §3.1), options (RFC 7323, 2018)
  ...['SYN', 'ACK', 'FIN', 'RST', 'PSH', 'URG', 'ECE', 'CWR', 'SYN-ACK', 'SACK', 'MSS', 'mss'],
  // header fields in the textbook notation seq = x, ack = y
  ...['seq', 'ack', 'len', 'x', 'y'],
  // RFC 9293 state names (each followed by its Chinese name on first use)
  ...['CLOSED', 'LISTEN', 'SYN_SENT', 'SYN_RECEIVED', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2'],
  ...['CLOSE_WAIT', 'CLOSING', 'LAST_ACK', 'TIME_WAIT'],
  // protocol acronyms and standard names ("SYN cookie" is the name Chinese texts use too)
  ...['TCP', 'RFC', 'RTO', 'RTT', 'MSL', 'ISN', 'cwnd', 'ssthresh', 'IP', 'Linux', 'linux', 'rfc9293'],
  ...['cookie'],
  // a kernel parameter a reader types as it is
  ...['tcp_syncookies'],
  // identifiers: endpoints, the command and its subcommands, scenario and question names
  ...['client', 'server', 'attacker', 'synack', 'run', 'why'],
  ...SCENARIO_NAMES,
  ...['two-way-handshake', 'four-way-close', 'time-wait', 'random-isn', 'syn-flood'],
  // the two contrasting runs of a `why` answer are called A and B
  ...['A', 'B'],
]);

/** Latin-alphabet words of `text` that are not in ALLOWED, with the line they are on. */
function foreignWords(text: string): string[] {
  const found: string[] = [];
  for (const line of text.split('\n')) {
    // An expectation's name is the scenario file's own text (✓ …), not the program's.
    if (/^ {2}[✓✗] /.test(line)) continue;
    for (const [word] of line.matchAll(/[A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*/g)) {
      if (!ALLOWED.has(word) && !/^[a-z]+\d+$/.test(word)) found.push(`${word}  ⟵  ${line.trim()}`);
    }
  }
  return found;
}

describe('the Latin-word check', () => {
  it('catches an English word and lets flags, states, fields and numbers through', () => {
    expect(foreignWords('0.000 秒  CLOSED（关闭） → SYN_SENT  ├── SYN seq=0 ──▶ 窗口=64')).toEqual([]);
    expect(foreignWords('应用：connect(server:80)').map((w) => w.split(' ')[0])).toEqual(['connect']);
    expect(foreignWords('丢失（loss）')).toHaveLength(1);
  });

  it('cuts an arrow label too long for its lane at a word, never inside one', () => {
    const label = ' SYN,ACK seq=绝对:55208589 ack=3929816777 ';
    expect(fitLabel(label, 60)).toBe(label);
    expect(fitLabel(label, 30)).toBe(' SYN,ACK seq=绝对:55208589 … ');
    expect(fitLabel(label, 12)).toBe(' SYN,ACK … ');
  });

  it('names a state in Chinese the first time only', () => {
    const namer = new StateNamer('zh');
    expect([namer.name('TIME_WAIT'), namer.name('TIME_WAIT')]).toEqual([
      'TIME_WAIT（时间等待）',
      'TIME_WAIT',
    ]);
    expect(new StateNamer('en').name('TIME_WAIT')).toBe('TIME_WAIT');
  });
});

const RUNS = SCENARIO_NAMES.map((name) => ['run', name, '--lang', 'zh', '--no-color']);
const WHYS = ['two-way-handshake', 'four-way-close', 'time-wait', 'random-isn', 'syn-flood'].map((q) => [
  'why',
  q,
  '--lang',
  'zh',
  '--no-color',
]);

describe('--lang zh output', () => {
  it('every built-in scenario’s ladder and summary is Chinese apart from whitelisted words', async () => {
    const results = await pool(
      RUNS.map((args) => () => synack(args)),
      2,
    );
    const foreign = results.flatMap((r, i) => foreignWords(r.stdout).map((w) => `${RUNS[i][1]}: ${w}`));
    expect(foreign.slice(0, 20)).toEqual([]);
    for (const r of results) expect(r.stdout).toMatch(/CLOSED（关闭）|LISTEN（监听）/);
  }, 240_000);

  it('narration has no space between two Chinese characters (这个数据, 1 秒后) and says 报文段', async () => {
    expect(closeCjkGaps('收不到这个 数据，RTO = 1 秒 后重传 SYN')).toBe(
      '收不到这个数据，RTO = 1 秒后重传 SYN',
    );
    const results = await pool(
      ['lossy-transfer', 'lost-syn', 'lifecycle'].map(
        (name) => () => synack(['run', name, '--explain', '--lang', 'zh', '--no-color']),
      ),
      2,
    );
    const narration = results.flatMap((r) => r.stdout.split('\n').filter((l) => l.includes('»')));
    expect(narration.length).toBeGreaterThan(20);
    const gaps = narration.filter((l) =>
      /[\u3400-\u9fff\uff00-\uffef] +[\u3400-\u9fff\uff00-\uffef]/u.test(l),
    );
    expect(gaps.slice(0, 5)).toEqual([]);
    expect(narration.join('\n')).toContain('报文段');
    expect(narration.join('\n')).not.toMatch(/报文(?!段)/);
  }, 120_000);

  it('the keepalive and abort narrations (issue 25) are Chinese apart from whitelisted words', async () => {
    const names = ['half-open-keepalive', 'rst-abort'];
    const results = await pool(
      names.map((name) => () => synack(['run', name, '--explain', '--lang', 'zh', '--no-color'])),
      2,
    );
    const narration = results.map((r) =>
      r.stdout
        .split('\n')
        .filter((l) => l.includes('»'))
        .join('\n'),
    );
    expect(narration[0]).toContain('保活探测');
    expect(narration[1]).toContain('逗留');
    const foreign = narration.flatMap((text, i) => foreignWords(text).map((w) => `${names[i]}: ${w}`));
    expect(foreign.slice(0, 20)).toEqual([]);
  }, 120_000);

  it('every why answer is Chinese apart from whitelisted words, and says 报文段', async () => {
    const results = await pool(
      WHYS.map((args) => () => synack(args)),
      2,
    );
    for (const r of results) expect(r.code).toBe(0);
    const foreign = results.flatMap((r, i) => foreignWords(r.stdout).map((w) => `${WHYS[i][1]}: ${w}`));
    expect(foreign.slice(0, 20)).toEqual([]);
    for (const r of results) expect(r.stdout).not.toMatch(/报文(?!段)/);
  }, 240_000);
});
