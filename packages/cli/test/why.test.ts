/**
 * `synack why <question>` through the real binary: each question runs two contrasting
 * scenarios (worker-thread simulations), prints both ladders and a difference computed from
 * the two traces. No argument lists the questions; an unknown one is a usage error (exit 2).
 */
import { describe, expect, it } from 'vitest';
import { WHY_QUESTIONS } from '../src/why.js';
import { type CliResult, describeResult, synack } from './helpers.js';

const QUESTIONS = WHY_QUESTIONS.map((q) => q.name);

/** The "What differs" section: the A line and the B line. */
function differences(r: CliResult): { a: string; b: string } {
  const lines = r.stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith('What differs') || l.startsWith('两次运行的差别'));
  expect(start, describeResult(r)).toBeGreaterThan(0);
  const [a, b] = lines.slice(start + 1, start + 3).map((l) => l.replace(/^ {2}• /, ''));
  return { a, b };
}

function expectTwoLadders(r: CliResult): void {
  expect(r.code, describeResult(r)).toBe(0);
  expect(r.stdout.match(/^ +(?:time|时间（秒）) {2}client/gm), 'two ladders').toHaveLength(2);
  expect(r.stdout).toMatch(/^A\. /m);
  expect(r.stdout).toMatch(/^B\. /m);
}

describe('synack why', () => {
  it('without a question lists the questions (exit 0)', async () => {
    const r = await synack(['why']);
    expect(r.code, describeResult(r)).toBe(0);
    for (const q of QUESTIONS) expect(r.stdout).toMatch(new RegExp(`^ {2}${q} +\\S`, 'm'));
  });

  it('an unknown question is a usage error (exit 2) naming the known ones', async () => {
    const r = await synack(['why', 'nagle']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('unknown question "nagle"');
    for (const q of QUESTIONS) expect(r.stderr).toContain(q);
  });

  it('two-way-handshake: an old duplicate SYN opens a connection only in the (clearly NOT TCP) two-way model', async () => {
    const r = await synack(['why', 'two-way-handshake']);
    expectTwoLadders(r);
    expect(r.stdout).toMatch(/^B\. NOT TCP/m);
    const { a, b } = differences(r);
    expect(a).toContain('LISTEN → SYN_RECEIVED → CLOSED');
    expect(a).toContain('accepted 0 connection(s) and sent 0 bytes');
    expect(b).toMatch(/^B \(NOT TCP\)/);
    expect(b).toContain('LISTEN → ESTABLISHED');
    expect(b).toContain('accepted 1 connection(s) and sent 1000 bytes');
    // The model's own edge in the ladder: the listener goes straight to ESTABLISHED.
    expect(r.stdout).toMatch(/LISTEN → ESTABLISHED/);
  });

  it('two-way-handshake --explain narrates the NOT TCP step', async () => {
    const r = await synack(['why', 'two-way-handshake', '--explain']);
    expectTwoLadders(r);
    expect(r.stdout).toMatch(
      /» 2nd and last handshake — NOT TCP \(two-way handshake model\): server acknowledges client's SYN \(ack = x\+1 = 91\)/,
    );
  });

  it('four-way-close: data after the FIN keeps ACK and FIN apart (4 segments); closing at once merges them (3)', async () => {
    const r = await synack(['why', 'four-way-close']);
    expectTwoLadders(r);
    const { a, b } = differences(r);
    expect(a).toMatch(/sent 12288 bytes from CLOSE_WAIT \(9 segments\)/);
    expect(a).toContain('the close took 4 segments');
    expect(b).toContain('ACK and FIN combined');
    expect(b).toContain('the close took 3 segments, a three-way close');
  });

  it('time-wait: with TIME_WAIT the retransmitted FIN is re-ACKed; without it, it meets a RST', async () => {
    const r = await synack(['why', 'time-wait']);
    expectTwoLadders(r);
    const { a, b } = differences(r);
    expect(a).toContain('2MSL = 60 s');
    expect(a).toContain('closed with reason "normal" (ACKs sent from TIME_WAIT: 2; RST: 0)');
    expect(b).toContain('closed with reason "reset" (ACKs sent from TIME_WAIT: 1; RST: 1)');
  });

  it('syn-data: data waits for the third segment; an old SYN carrying data gets only its SYN acknowledged', async () => {
    const r = await synack(['why', 'syn-data', '--no-color']);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toMatch(/A: the first data left with the third segment at 0\.020 s.*received 100 bytes/);
    // seq 90 + 1: the SYN alone is acknowledged, none of its 100 bytes.
    expect(r.stdout).toMatch(
      /B: the server acknowledged only the SYN \(ack = 91,.* received 0 bytes.* 1 RST/,
    );
    expect(r.stdout).toContain('TCP Fast Open (RFC 7413)');
  }, 60_000);

  it('random-isn: with fixed ISNs the old segment is accepted by the new incarnation; with RFC 6528 ISNs it is not', async () => {
    const r = await synack(['why', 'random-isn']);
    expectTwoLadders(r);
    const { a, b } = differences(r);
    expect(a).toContain('both connections start at x = 1000 and x = 1000');
    expect(a).toContain('the new server connection received 100 bytes although the new client sent 0');
    expect(a).toMatch(/exchanged \d+ bare ACKs \(an ACK storm\)/);
    expect(b).toMatch(/fell outside the window and was discarded: received 0 bytes, sent 0/);
  });

  it('syn-flood: the flood starves a client without cookies; with cookies it connects at once', async () => {
    const r = await synack(['why', 'syn-flood'], { timeoutMs: 60_000 });
    expectTwoLadders(r);
    const { a, b } = differences(r);
    expect(a).toMatch(/the client's 7 SYN\(s\) among them, and its connect\(\) timed out at 12\.000 s/);
    expect(b).toMatch(/SYN-ACKs carried a cookie/);
    expect(b).toMatch(/the client sent 1 SYN\(s\) and its connect\(\) succeeded at 1\.020 s/);
    // Compact: the flood is folded away.
    expect(r.stdout).toMatch(/» … \d+ more flood event\(s\) not shown …/);
    expect(r.stdout.split('\n').length).toBeLessThan(150);
  });

  it('isn-guessing: against the bare clock the guess is exact and 100 forged bytes delivered; against RFC 6528 it misses', async () => {
    const r = await synack(['why', 'isn-guessing']);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout.match(/^ +time {2}server {2,}attacker/gm), 'two ladders').toHaveLength(2);
    const { a, b } = differences(r);
    const [, guessA, actualA] =
      /it guessed (\d+) and the server's SYN-ACK to the trusted host carried (\d+)/.exec(a) ?? [];
    expect(guessA).toBeDefined();
    expect(actualA).toBe(guessA);
    expect(a).toContain("the server's application received 100 forged bytes");
    const [, guessB, actualB] = /the guess (\d+) met an ISN of (\d+)/.exec(b) ?? [];
    expect(guessB).toBeDefined();
    expect(actualB).not.toBe(guessB);
    expect(b).toContain('answered the forged ACK with 1 RST and its application received 0 bytes');
  });

  it('--lang zh answers in Chinese', async () => {
    const r = await synack(['why', 'time-wait', '--lang', 'zh']);
    expectTwoLadders(r);
    expect(r.stdout).toContain('为什么先关闭的一方要在 TIME_WAIT 状态等待？');
    const { a, b } = differences(r);
    expect(a).toContain('服务器的连接最终正常关闭');
    expect(b).toContain('重传的 FIN 得到的是 RST');
  });
});
