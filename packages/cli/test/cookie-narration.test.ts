/**
 * Where a learner meets a SYN cookie (`run syn-cookies --explain`), the narration says what the
 * cookie encodes in the run's profile (issue 21 item 4): Linux's layout (hash, client ISN, minute
 * counter, MSS index; wscale/SACK/ECN in the TSval when the SYN had timestamps, restored from the
 * ACK's TSecr) under linux, RFC 4987's (time slot, MSS index, MAC; only the MSS survives) under
 * rfc9293 — in English and entirely in Chinese.
 */
import { describe, expect, it } from 'vitest';
import { describeResult, synack } from './helpers.js';

const run = (...args: string[]) =>
  synack(['run', 'syn-cookies', '--explain', '--full', '--no-expect', '--width', '400', ...args]);

describe('syn-cookies narration by profile', () => {
  it('linux: the Linux layout, the options in the timestamp and their restoration', async () => {
    const r = await run();
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toContain("the client's ISN + a minute counter in the top 8 bits");
    expect(r.stdout).toContain('MSS index (0–3: 536, 1300, 1440 or 1460 bytes)');
    // The flood's SYNs had no timestamps, the real client's had: both cases are said once.
    expect(r.stdout).toContain(
      'the SYN carried no timestamps, so the cookie has nowhere to keep window scale',
    );
    expect(r.stdout).toContain("this SYN-ACK's TSval keeps the rest in its low 6 bits");
    expect(r.stdout).toContain('server reads the options back from the TSecr the ACK echoes');
    expect(r.stdout).not.toContain("RFC 4987's layout");
  }, 120_000);

  it('rfc9293: the RFC 4987 layout, nothing about timestamps', async () => {
    const r = await run('--profile', 'rfc9293');
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toContain(
      "the cookie in RFC 4987's layout (rfc9293 profile): 5 bits of a 64-second time slot",
    );
    expect(r.stdout).not.toContain('minute counter');
    expect(r.stdout).not.toContain('TSecr');
  }, 120_000);

  it('zh: the same in Chinese textbook terms', async () => {
    const r = await run('--lang', 'zh');
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toContain('放在最高 8 位的分钟计数器');
    expect(r.stdout).toContain('时间戳值在最低 6 位中保存其余选项');
    expect(r.stdout).toContain('服务器从 ACK 的时间戳回显字段中读回选项');
  }, 120_000);
});
