/**
 * Replies to invalid segments (RFC 5961 §7 rate limit, Linux tcp_invalid_ratelimit) and ACKs of
 * unsent data, per profile — the same timeline as conformance/challenge-ack-rate-limit.pkt, which
 * passes on Linux 6.18. `linux`: at most one reply per 500 ms (challenge ACKs and the ACK to an ACK
 * of unsent data alike); `rfc9293`: every invalid segment answered (no limit).
 */
import { describe, expect, it } from 'vitest';
import { getProfile } from '../src/profiles.js';
import { Flag } from '../src/segment.js';
import { seqAdd } from '../src/seq.js';
import { Pair, type PairOptions } from './pair.js';

function established(options: PairOptions): Pair {
  const p = new Pair({ clientIsn: 1000, serverIsn: 5000, ...options });
  p.connect();
  p.advance(100);
  expect(p.state('server')).toBe('ESTABLISHED');
  return p;
}

/** Injects into the server at `dt` ms from now and returns the server's replies within 1 ms. */
function replies(
  p: Pair,
  dt: number,
  fields: { seq: number; ack?: number; flags: number; data?: Uint8Array },
): string[] {
  p.advance(dt);
  const mark = p.mark();
  p.inject('server', p.segmentFrom('client', fields));
  p.advance(1);
  return p.ladderSince(mark).map((line) => line.replace(/^\d+ /, ''));
}

const challenge = 'server [ACK] seq=5001 ack=1001 len=0';

describe('challenge ACKs and out-of-window replies are rate-limited per connection (linux)', () => {
  it('RST, then RST and SYN within 500 ms, then RST 600 ms later: challenge, nothing, nothing, challenge', () => {
    const p = established({ profile: 'linux' });
    expect(replies(p, 100, { seq: 1101, flags: Flag.RST })).toEqual([challenge]);
    expect(replies(p, 100, { seq: 1201, flags: Flag.RST })).toEqual([]);
    expect(replies(p, 100, { seq: 1300, flags: Flag.SYN })).toEqual([]);
    expect(replies(p, 400, { seq: 1401, flags: Flag.RST })).toEqual([challenge]);
    expect(p.state('server')).toBe('ESTABLISHED');
  });

  it('an out-of-window pure ACK is limited too; out-of-window data is always answered', () => {
    const p = established({ profile: 'linux' });
    const far = seqAdd(1001, 200_000);
    expect(replies(p, 10, { seq: far, ack: 5001, flags: Flag.ACK })).toEqual([challenge]);
    expect(replies(p, 10, { seq: far, ack: 5001, flags: Flag.ACK })).toEqual([]);
    const data = new Uint8Array(10);
    expect(replies(p, 10, { seq: far, ack: 5001, flags: Flag.ACK, data })).toEqual([challenge]);
    expect(replies(p, 10, { seq: far, ack: 5001, flags: Flag.ACK, data })).toEqual([challenge]);
  });

  it('an ACK of data never sent is answered, under the same limit, and dropped with its data', () => {
    // conformance/challenge-ack-rate-limit.pkt: nothing 100 ms after the last reply, an ACK 600 ms after it.
    const p = established({ profile: 'linux' });
    expect(replies(p, 10, { seq: 1001, ack: 6000, flags: Flag.ACK, data: new Uint8Array(5) })).toEqual([
      challenge,
    ]);
    expect(replies(p, 100, { seq: 1001, ack: 6000, flags: Flag.ACK })).toEqual([]);
    expect(replies(p, 500, { seq: 1001, ack: 6000, flags: Flag.ACK })).toEqual([challenge]);
    expect(p.tcb('server').rcvNxt).toBe(1001);
  });
});

describe('rfc9293: no limit, and an ACK of unsent data is answered (RFC 9293 §3.10.7.4, RFC 5961 §5.2)', () => {
  it('every invalid segment gets its challenge ACK', () => {
    const p = established({ profile: 'rfc9293' });
    expect(replies(p, 100, { seq: 1101, flags: Flag.RST })).toEqual([challenge]);
    expect(replies(p, 100, { seq: 1201, flags: Flag.RST })).toEqual([challenge]);
    expect(replies(p, 100, { seq: 1300, flags: Flag.SYN })).toEqual([challenge]);
  });

  it('an ACK of data never sent: an ACK, and the segment is dropped', () => {
    const p = established({ profile: 'rfc9293' });
    expect(replies(p, 10, { seq: 1001, ack: 6000, flags: Flag.ACK, data: new Uint8Array(5) })).toEqual([
      challenge,
    ]);
    expect(p.tcb('server').rcvNxt).toBe(1001);
  });

  it('the limit is a profile setting: linux with challengeAckInterval 0 answers every time', () => {
    const p = established({ profile: getProfile('linux', { challengeAckInterval: 0 }) });
    expect(replies(p, 100, { seq: 1101, flags: Flag.RST })).toEqual([challenge]);
    expect(replies(p, 100, { seq: 1201, flags: Flag.RST })).toEqual([challenge]);
  });
});
