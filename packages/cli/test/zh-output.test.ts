/**
 * Chinese mode is Chinese (issue 21 item 5): the ladder of every built-in scenario and every
 * `why` answer in `--lang zh` may contain Latin letters only in the words whitelisted below
 * (flags, state names, protocol fields and acronyms, identifiers of endpoints, scenarios and
 * commands, x/y naming the ISNs). An English word that slips in fails the test with its line.
 */

import type { TraceEvent } from '@synack/network';
import { describe, expect, it } from 'vitest';
import { checkExpectations } from '../src/expect.js';
import { closeCjkGaps } from '../src/explain/catalog.js';
import { fitLabel } from '../src/ladder.js';
import { StateNamer } from '../src/ladder-text.js';
import { WHY_QUESTIONS } from '../src/why.js';
import { describeResult, pool, SCENARIO_NAMES, synack } from './helpers.js';

const WHY_NAMES = WHY_QUESTIONS.map((q) => q.name);

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
  ...WHY_NAMES,
  // the two contrasting runs of a `why` answer are called A and B
  ...['A', 'B'],
]);

/** Latin-alphabet words of `text` that are not in ALLOWED, with the line they are on. */
function foreignWords(text: string): string[] {
  const found: string[] = [];
  for (const line of text.split('\n')) {
    // A command-line flag (--loss) is typed as it is; the expectation lines (✓ …) are checked too.
    for (const [word] of line
      .replace(/--[a-z-]+/g, '')
      .matchAll(/[A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*/g)) {
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

/** With --explain: the ladder, its summary and expectations, and the narration, in one run each. */
const RUNS = SCENARIO_NAMES.map((name) => ['run', name, '--lang', 'zh', '--explain', '--no-color']);
const WHYS = WHY_NAMES.map((q) => ['why', q, '--lang', 'zh', '--no-color']);

describe('--lang zh output', () => {
  it('every built-in scenario’s description, ladder, narration, summary and expectations are Chinese apart from whitelisted words', async () => {
    const results = await pool(
      RUNS.map((args) => () => synack(args)),
      2,
    );
    for (const r of results) expect(r.code, describeResult(r)).toBe(0);
    const foreign = results.flatMap((r, i) => foreignWords(r.stdout).map((w) => `${RUNS[i][1]}: ${w}`));
    expect(foreign.slice(0, 20)).toEqual([]);
    for (const r of results) {
      const lines = r.stdout.split('\n');
      expect(r.stdout).toMatch(/CLOSED（关闭）|LISTEN（监听）/);
      // The description line under the header is there, and Chinese.
      expect(lines[1], r.args[1]).toMatch(/[\u4e00-\u9fff]{4}/);
      expect(r.stdout).toContain('  ✓ 运行完成');
      expect(r.stdout).toMatch(/» .*[\u4e00-\u9fff]/);
    }
  }, 600_000);

  it('names a scenario’s expectations in Chinese: segments, drops, application events, bytes', () => {
    const trace = [
      { t: 0, kind: 'app', endpoint: 'server', event: 'closed', reason: 'reset' },
      { t: 5, kind: 'drop', endpoint: 'server', id: 0, reason: 'syn-queue-full' },
    ] as unknown as TraceEvent[];
    const names = (lang: 'en' | 'zh') =>
      checkExpectations(
        {
          segments: [{ from: 'client', flags: ['SYN'], retransmit: true, min: 1, max: 1 }],
          drops: [{ reason: 'syn-queue-full', min: 1 }],
          app: [{ endpoint: 'server', event: 'closed', reason: 'reset', min: 1, max: 1 }],
          received: { server: 100 },
        },
        trace,
        lang,
      ).map((e) => e.name);
    expect(names('en')).toEqual([
      'run completes',
      'exactly 1 from client [SYN] retransmitted',
      'at least 1 drops (syn-queue-full)',
      'exactly 1 server closed (reset)',
      'server receives 100 bytes',
    ]);
    expect(names('zh')).toEqual([
      '运行完成',
      '恰好 1 个 client 发送的重传 [SYN] 报文段',
      '至少 1 个被丢弃的报文段（半连接队列已满）',
      'server 的应用事件“连接关闭（被重置）”恰好 1 次',
      'server 收到 100 字节',
    ]);
  });

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
