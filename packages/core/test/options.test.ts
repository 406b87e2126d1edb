/**
 * TCP options (options.ts, tcb/timestamps.ts, tcb/sack-blocks.ts): negotiation on the SYN
 * exchange (RFC 7323 §1.3, §2.2, §3.2; RFC 2018 §2), window scaling (RFC 7323 §2.3), timestamps
 * (TS.Recent §4.3, TSecr RTT §4.1, PAWS §5.3), the receiver's SACK blocks (RFC 2018 §4) and D-SACK
 * (RFC 2883 §4). The wire values are the ones Linux 6.18 sends (conformance/options-*.pkt,
 * timestamps-echo-paws.pkt, sack-out-of-order-blocks.pkt, dsack-duplicate.pkt).
 */
import { describe, expect, it } from 'vitest';
import { getProfile } from '../src/profiles.js';
import { Flag, payloadLength, type Segment } from '../src/segment.js';
import { seqAdd } from '../src/seq.js';
import { Pair, type PairOptions, pattern } from './pair.js';

const ISN = { clientIsn: 1000, serverIsn: 5000 };

function established(options: PairOptions = {}): Pair {
  const p = new Pair({ ...ISN, profile: 'linux', ...options });
  p.connect();
  p.advance(3 * p.delay);
  expect(p.state('server')).toBe('ESTABLISHED');
  return p;
}

const handshake = (p: Pair) => p.wire.slice(0, 3).map((w) => w.segment);

/** A TSval `d` ticks after the server's TS.Recent (what the client's clock would say). */
const tsAfter = (p: Pair, d: number) => (p.tcb('server').tsRecent + d) >>> 0;

describe('negotiation on the SYN exchange', () => {
  it('linux: SYN and SYN-ACK offer MSS, SACK-permitted, timestamps and window scale 10; windows 64240 / 65160', () => {
    const p = established();
    const [syn, synAck, ack] = handshake(p);
    expect(syn).toMatchObject({ win: 64_240, mss: 1460, sackOk: true, wscale: 10, ts: { ecr: 0 } });
    expect(synAck).toMatchObject({ win: 65_160, mss: 1460, sackOk: true, wscale: 10 });
    // RFC 7323 §3.2: the SYN-ACK echoes the SYN's TSval; the third segment echoes the SYN-ACK's.
    expect(synAck.ts?.ecr).toBe(syn.ts?.val);
    expect(ack.ts?.ecr).toBe(synAck.ts?.val);
    // Non-SYN segments carry no SYN options, and their window is scaled: ⌈64240 / 1024⌉ = 63.
    expect(ack).not.toHaveProperty('sackOk');
    expect(ack).not.toHaveProperty('wscale');
    expect(ack.win).toBe(63);
    for (const side of ['client', 'server'] as const) {
      const t = p.tcb(side);
      expect([t.tsOk, t.sackOk, t.wsOk, t.rcvWscale, t.sndWscale]).toEqual([true, true, true, 10, 10]);
      expect(t.sendMss).toBe(1448); // 1460 less the 12 bytes of timestamps (Linux tcp_current_mss)
    }
  });

  it('rfc9293: MSS only (RFC 9293 §3.7.1), window 65,535, no option in effect', () => {
    const p = established({ profile: 'rfc9293' });
    const [syn, synAck, ack] = handshake(p);
    for (const s of [syn, synAck]) {
      expect(s.mss).toBe(1460);
      expect(s.win).toBe(65_535);
      expect([s.sackOk, s.ts, s.wscale]).toEqual([undefined, undefined, undefined]);
    }
    expect(ack.ts).toBeUndefined();
    expect(p.tcb('server').sendMss).toBe(1460);
  });

  it('an option is in effect only if both SYNs carried it: the SYN-ACK echoes only what was offered', () => {
    // The client offers SACK and window scaling but no timestamps (Linux tcp_timestamps = 0).
    const client = getProfile('linux', { timestamps: false });
    const p = new Pair({ ...ISN, profile: client });
    // The server is linux in full; only the client's profile differs, so build the SYN by hand.
    const q = new Pair({ ...ISN, profile: 'linux', noListen: false });
    q.inject(
      'server',
      q.segmentFrom('client', { seq: 1000, flags: Flag.SYN, win: 64_240, mss: 1460 }) as Segment,
    );
    const synAck = q.sentBy('server')[0].segment;
    expect([synAck.sackOk, synAck.ts, synAck.wscale]).toEqual([undefined, undefined, undefined]);
    expect(synAck.win).toBe(64_240); // rounded down to the 1460-byte MSS (no timestamps)
    p.connect();
    p.advance(30);
    const [syn, reply] = handshake(p);
    expect(syn.ts).toBeUndefined();
    expect(reply).toMatchObject({ sackOk: true, wscale: 10 });
    expect(reply.ts).toBeUndefined();
    expect(p.tcb('server').tsOk).toBe(false);
    expect(p.tcb('server').sackOk).toBe(true);
  });
});

describe('window scaling (RFC 7323 §2.3)', () => {
  it('the peer’s window field is shifted left by its scale, never on a SYN', () => {
    const p = established();
    // SYN-ACK window 65160 taken unscaled; the third segment's 63 << 10 = 64512.
    expect(p.tcb('client').sndWnd).toBe(65_160);
    expect(p.tcb('server').sndWnd).toBe(63 * 1024);
    const ack = p.segmentFrom('server', { seq: 5001, ack: 1001, flags: Flag.ACK, win: 2 });
    p.inject('client', { ...ack, ts: { val: 1, ecr: 0 } });
    p.advance(1);
    p.send('client', 4000);
    // A window of 2 << 10 = 2048 bytes: one full segment (1448) and 600 more.
    const sent = p.sentBy('client').filter((w) => payloadLength(w.segment) > 0);
    expect(sent.map((w) => payloadLength(w.segment))).toEqual([1448, 600]);
  });

  it('receive buffers beyond 64 KiB: the window grows past 65,535 once full-sized segments arrive', () => {
    const big = getProfile('linux', { receiveBuffer: 262_144 });
    const p = established({ profile: big });
    expect(p.wire[1].segment.win).toBe(65_160); // the SYN-ACK never says more than 16 bits
    p.send('client', 60 * 1448);
    p.advance(500);
    const window = p.tcb('server').rcvWndCap;
    expect(window).toBeGreaterThan(65_535);
    expect(window).toBeLessThanOrEqual(262_144);
    expect(p.received.server.length).toBe(60 * 1448);
  });
});

describe('timestamps (RFC 7323 §3–5)', () => {
  it('every non-SYN segment carries TSval from the virtual ms clock and echoes TS.Recent', () => {
    const p = established();
    p.send('client', 100);
    p.advance(50);
    const [data] = p.sentBy('client').slice(2);
    const [synAck, reply] = p.sentBy('server');
    expect(data.segment.ts?.val).toBe(((p.wire[0].segment.ts?.val ?? 0) + 30) >>> 0);
    expect(data.segment.ts?.ecr).toBe(synAck.segment.ts?.val);
    expect(reply.segment.ts?.ecr).toBe(data.segment.ts?.val);
  });

  it('TSvals differ between connections (keyed offset) but are the same on every run', () => {
    const a = established();
    const b = established();
    const c = established({ isnKey: [1, 2] });
    expect(a.wire[0].segment.ts).toEqual(b.wire[0].segment.ts);
    expect(c.wire[0].segment.ts?.val).not.toBe(a.wire[0].segment.ts?.val);
  });

  it('PAWS: a segment whose TSval went backwards is dropped and answered with an ACK echoing TS.Recent', () => {
    const p = established();
    const fresh = p.segmentFrom('client', { seq: 1001, ack: 5001, flags: Flag.ACK, data: pattern(100) });
    const recent = tsAfter(p, 300);
    p.inject('server', { ...fresh, ts: { val: recent, ecr: 0 } });
    expect(p.tcb('server').tsRecent).toBe(recent);
    const mark = p.mark();
    const old = p.segmentFrom('client', { seq: 1101, ack: 5001, flags: Flag.ACK, data: pattern(100, 100) });
    p.inject('server', { ...old, ts: { val: (recent - 50) >>> 0, ecr: 0 } });
    expect(p.tcb('server').rcvNxt).toBe(1101); // not accepted
    const reply = p.wire[mark].segment;
    expect([reply.ack, reply.ts?.ecr]).toEqual([1101, recent]);
    p.inject('server', { ...old, ts: { val: (recent + 200) >>> 0, ecr: 0 } });
    expect(p.tcb('server').rcvNxt).toBe(1201);
    expect(p.received.server.length).toBe(200);
  });

  it('TS.Recent is taken only from a segment at or below Last.ACK.sent (§4.3): a held ACK echoes the first', () => {
    const p = established();
    // Spend the quick ACKs so the first segment's ACK is delayed.
    for (let i = 0; i < 16; i++) {
      p.send('client', 100, i * 100);
      p.advance(20);
    }
    const a = p.segmentFrom('client', { seq: 2601, ack: 5001, flags: Flag.ACK, data: pattern(100) });
    const b = p.segmentFrom('client', { seq: 2701, ack: 5001, flags: Flag.ACK, data: pattern(100) });
    const first = tsAfter(p, 9000);
    p.inject('server', { ...a, ts: { val: first, ecr: 0 } });
    p.inject('server', { ...b, ts: { val: (first + 1) >>> 0, ecr: 0 } });
    expect(p.tcb('server').tsRecent).toBe(first);
  });

  it('an RTT sample from TSecr where Karn’s rule has none: after a SYN timeout linux times the SYN-ACK', () => {
    const p = new Pair({ ...ISN, profile: 'linux' });
    p.drop = (_s, from, n) => from === 'client' && n === 0; // the first SYN is lost
    p.connect();
    p.advance(1030);
    // The SYN-ACK echoes the retransmitted SYN's TSval: RTT 20 ms, RTO = 20 + max(200, 4·10).
    expect(p.tcb('client').rtt.srtt).toBe(20);
    expect(p.tcb('client').rtt.rto).toBe(220);
  });
});

describe('receiver SACK blocks (RFC 2018 §4) and D-SACK (RFC 2883 §4)', () => {
  function withHoles(p: Pair, starts: number[]): void {
    for (const start of starts) {
      const seg = p.segmentFrom('client', { seq: start, ack: 5001, flags: Flag.ACK, data: pattern(1000) });
      p.inject('server', { ...seg, ts: { val: tsAfter(p, 1), ecr: 0 } });
    }
  }
  const lastSack = (p: Pair) => p.sentBy('server').at(-1)?.segment.sack;

  it('the block holding the newest segment comes first, then the others most recent first', () => {
    const p = established();
    withHoles(p, [2001, 4001]);
    expect(lastSack(p)).toEqual([
      { left: 4001, right: 5001 },
      { left: 2001, right: 3001 },
    ]);
    withHoles(p, [3001]); // joins the two: one block 2001–5001
    expect(lastSack(p)).toEqual([{ left: 2001, right: 5001 }]);
    withHoles(p, [1001]); // fills the hole: no SACK option any more
    expect(lastSack(p)).toBeUndefined();
    expect(p.tcb('server').rcvNxt).toBe(5001);
  });

  it('at most 3 blocks beside timestamps, 4 without (RFC 2018 §3)', () => {
    const p = established();
    withHoles(p, [2001, 4001, 6001, 8001, 10_001]);
    expect(lastSack(p)?.map((b) => b.left)).toEqual([10_001, 8001, 6001]);
    const q = established({ profile: getProfile('linux', { timestamps: false }) });
    withHoles(q, [2001, 4001, 6001, 8001, 10_001]);
    expect(lastSack(q)?.map((b) => b.left)).toEqual([10_001, 8001, 6001, 4001]);
  });

  it('a duplicate of held out-of-order data: the D-SACK block first, then the block holding it', () => {
    const p = established();
    withHoles(p, [2001, 2001]);
    expect(lastSack(p)).toEqual([
      { left: 2001, right: 3001 },
      { left: 2001, right: 3001 },
    ]);
  });

  it('a duplicate below RCV.NXT is D-SACKed once; without dsack it is not', () => {
    const p = established();
    withHoles(p, [1001, 1001]);
    expect(lastSack(p)).toEqual([{ left: 1001, right: 2001 }]);
    withHoles(p, [2001]);
    expect(lastSack(p)).toBeUndefined();
    const q = established({ profile: getProfile('linux', { dsack: false }) });
    withHoles(q, [1001, 1001]);
    expect(lastSack(q)).toBeUndefined();
  });

  it('without SACK negotiated no ACK carries blocks', () => {
    const p = established({ profile: getProfile('linux', { sack: false }) });
    withHoles(p, [2001, 4001]);
    expect(p.sentBy('server').every((w) => w.segment.sack === undefined)).toBe(true);
    expect(seqAdd(p.tcb('server').rcvNxt, 0)).toBe(1001);
  });
});
