/**
 * Socket behaviours applications rely on (issue 25): keepalive (RFC 1122 §4.2.3.6), TCP_USER_TIMEOUT
 * (RFC 5482) and Linux's time-based give-up (tcp_retries2, tcp_orphan_retries). The kernel timelines
 * are pinned by conformance/keepalive-*.pkt, user-timeout-abort.pkt, retries2-elapsed-giveup.pkt and
 * orphan-retries-giveup.pkt (kernel-checked); these tests pin the model's side in virtual time.
 */
import { describe, expect, it } from 'vitest';
import { getProfile, type Profile } from '../src/profiles.js';
import { modelTimeout } from '../src/tcb/give-up.js';
import type { SocketOptions } from '../src/tcb/tcb.js';
import { Pair, type Side } from './pair.js';

/** A pair ESTABLISHED at 30 ms (one-way delay 10 ms, so the RTT sample is 20 ms). */
function established(profile: Profile, delay = 10): Pair {
  const p = new Pair({ profile, clientIsn: 1000, serverIsn: 5000, delay });
  p.connect();
  p.advance(3 * delay);
  expect(p.state('client')).toBe('ESTABLISHED');
  return p;
}

function setOptions(p: Pair, side: Side, options: Partial<SocketOptions>): void {
  p.endpoint(side).send({ type: 'SET_SOCKET_OPTIONS', now: p.clock.now(), options });
}

/** Times of the client's segments since `mark`, with their flags. */
function clientSegments(p: Pair, mark: number): string[] {
  return p.ladderSince(mark).filter((line) => line.includes(' client '));
}

describe('keepalive (RFC 1122 §4.2.3.6, Linux tcp_keepalive_timer)', () => {
  const linux = getProfile('linux');

  it('off by default: an idle connection sends nothing for hours', () => {
    const p = established(linux);
    const mark = p.mark();
    p.advance(3 * 3_600_000);
    expect(p.ladderSince(mark)).toEqual([]);
  });

  it('Linux defaults: first probe after 7200 s idle, then every 75 s, RST after the 9th unanswered', () => {
    const p = established(linux);
    setOptions(p, 'client', { keepalive: true });
    p.drop = (_s, from) => from === 'server';
    const mark = p.mark();
    p.advance(7_200_000 + 10 * 75_000 + 100);
    const times = clientSegments(p, mark).map((line) => Number(line.split(' ')[0]));
    const probes = Array.from({ length: 9 }, (_, i) => 20 + 7_200_000 + i * 75_000);
    expect(times).toEqual([...probes, 20 + 7_200_000 + 9 * 75_000]);
    expect(clientSegments(p, mark).at(0)).toContain('[ACK] seq=1000 ack=5001 len=0');
    expect(clientSegments(p, mark).at(-1)).toContain('[ACK,RST] seq=1001');
    expect(p.tcb('client').closeReason).toBe('timeout');
  });

  it('a probe the peer answers resets the count and the idle time', () => {
    const p = established(linux);
    setOptions(p, 'client', {
      keepalive: true,
      keepaliveIdle: 1000,
      keepaliveInterval: 1000,
      keepaliveProbes: 1,
    });
    const mark = p.mark();
    p.advance(1005);
    expect(p.tcb('client').keepaliveProbesOut).toBe(1);
    p.advance(20);
    // Probe at 1020 (SND.NXT − 1), the server's answer (an ACK at RCV.NXT) arrives at 1040.
    expect(p.ladderSince(mark)).toEqual([
      '1020 client [ACK] seq=1000 ack=5001 len=0',
      '1030 server [ACK] seq=5001 ack=1001 len=0',
    ]);
    expect(p.tcb('client').keepaliveProbesOut).toBe(0);
    p.drop = (_s, from) => from === 'server';
    p.advance(3000);
    // Idle from 1040: probe at 2040, unanswered, RST at 3040 (one probe allowed).
    expect(clientSegments(p, mark).slice(1)).toEqual([
      '2040 client [ACK] seq=1000 ack=5001 len=0',
      '3040 client [ACK,RST] seq=1001 ack=5001 len=0',
    ]);
  });

  it('data in flight holds keepalive back: the retransmission timer watches the peer then', () => {
    const p = established(linux);
    setOptions(p, 'client', {
      keepalive: true,
      keepaliveIdle: 1000,
      keepaliveInterval: 1000,
      keepaliveProbes: 1,
    });
    p.drop = (_s, from) => from === 'server';
    p.send('client', 10);
    p.advance(5000);
    expect(p.wire.some((w) => w.retransmit === 'keepalive')).toBe(false);
    expect(p.state('client')).toBe('ESTABLISHED');
  });

  it('switching it off stops the timer', () => {
    const p = established(linux);
    setOptions(p, 'client', { keepalive: true, keepaliveIdle: 1000 });
    p.advance(500);
    setOptions(p, 'client', { keepalive: false });
    const mark = p.mark();
    p.advance(10_000);
    expect(p.ladderSince(mark)).toEqual([]);
  });

  it('TCP_USER_TIMEOUT replaces the probe count (RFC 5482 §4.2)', () => {
    const p = established(linux);
    setOptions(p, 'client', {
      keepalive: true,
      keepaliveIdle: 1000,
      keepaliveInterval: 1000,
      keepaliveProbes: 9,
      userTimeout: 2500,
    });
    p.drop = (_s, from) => from === 'server';
    const mark = p.mark();
    p.advance(4000);
    expect(clientSegments(p, mark)).toEqual([
      '1020 client [ACK] seq=1000 ack=5001 len=0',
      '2020 client [ACK] seq=1000 ack=5001 len=0',
      '3020 client [ACK,RST] seq=1001 ack=5001 len=0',
    ]);
  });

  it('rfc9293: the RST of a keepalive timeout is a bare RST', () => {
    const p = established(
      getProfile('rfc9293', { keepalive: true, keepaliveIdle: 1000, keepaliveProbes: 1 }),
    );
    p.drop = (_s, from) => from === 'server';
    p.advance(1000 + 75_000 + 100);
    expect(clientSegments(p, 0).at(-1)).toBe('76020 client [RST] seq=1001 ack=0 len=0');
  });
});

describe('give-up (RFC 9293 §3.8.3 R2; Linux tcp_write_timeout)', () => {
  it('tcp_model_timeout: retries2 = 15 is 924.6 s, orphan retries 8 is 102.2 s (TCP_RTO_MIN 200 ms, RTO_MAX 120 s)', () => {
    expect(modelTimeout(15, 120_000)).toBe(924_600);
    expect(modelTimeout(8, 120_000)).toBe(102_200);
    expect(modelTimeout(3, 120_000)).toBe(3_000);
  });

  it('linux: with the RTO at the 200 ms floor, 15 retransmissions and the end at 924.6 s', () => {
    // One-way delay 0.5 ms: RTT 1 ms, RTO = 1 + 200 = 201 ms, close to the model's 200 ms base.
    const p = established(getProfile('linux'), 0.5);
    p.drop = (_s, from) => from === 'server';
    const start = p.clock.now();
    p.send('client', 100);
    p.advance(1_000_000);
    expect(p.tcb('client').closeReason).toBe('timeout');
    const closedAt = p.outputs.client.length;
    expect(closedAt).toBeGreaterThan(0);
    const retransmits = p.outputsOf('client', 'retransmit');
    expect(retransmits).toHaveLength(15);
    // The 16th timer (at 924.6 s + the 1 ms by which each RTO exceeds 200 ms, backed off) ends it.
    const lastRetransmitAt = p.wire.filter((w) => w.from === 'client' && w.retransmit === 'data').at(-1)!.t;
    expect(lastRetransmitAt - start).toBeLessThan(924_600);
  });

  it('linux: a time, not a count — with a 1.5 s RTO, tcp_retries2 = 3 allows one retransmission', () => {
    const p = established(getProfile('linux', { dataRetries: 3 }), 250);
    p.drop = (_s, from) => from === 'server';
    p.send('client', 100);
    p.advance(10_000);
    expect(p.outputsOf('client', 'retransmit')).toHaveLength(1);
    expect(p.tcb('client').closeReason).toBe('timeout');
  });

  it('rfc9293 counts: the same connection retransmits 3 times', () => {
    const p = established(getProfile('rfc9293', { dataRetries: 3 }), 250);
    p.drop = (_s, from) => from === 'server';
    p.send('client', 100);
    p.advance(60_000);
    expect(p.outputsOf('client', 'retransmit')).toHaveLength(3);
    expect(p.tcb('client').closeReason).toBe('timeout');
  });

  it('TCP_USER_TIMEOUT: counted from the first retransmission, the timer clamped to when it runs out', () => {
    // No tail loss probe here (rack off), so the timeline is the kernel's in user-timeout-abort.pkt.
    const p = established(getProfile('linux', { rack: false }), 50);
    setOptions(p, 'client', { userTimeout: 1000 });
    p.drop = (_s, from) => from === 'server';
    const start = p.clock.now();
    p.send('client', 100);
    // RTO 300 ms (RTT 100 ms): retransmissions at 300 and 900 ms; the backed-off 1200 ms timer is
    // clamped to fire at 1300 ms (300 + 1000), where the connection ends without a RST.
    p.advance(1299);
    expect(p.state('client')).toBe('ESTABLISHED');
    p.advance(1);
    expect(p.state('client')).toBe('CLOSED');
    expect(p.tcb('client').closeReason).toBe('timeout');
    const sent = p.wire.filter((w) => w.from === 'client').map((w) => w.t - start);
    expect(sent.slice(-3)).toEqual([0, 300, 900]);
  });

  it('tcp_orphan_retries 0 means 8 for a closed socket: its FIN is given up after 102.2 s of model time', () => {
    const p = established(getProfile('linux'), 0.5);
    p.drop = (_s, from) => from === 'server';
    p.endpoint('client').send({ type: 'CLOSE', now: p.clock.now(), orphan: true });
    p.advance(200_000);
    expect(p.tcb('client').closeReason).toBe('timeout');
    expect(p.outputsOf('client', 'retransmit')).toHaveLength(8);
  });
});
