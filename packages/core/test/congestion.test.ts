/**
 * The sender's congestion control and loss recovery, driven like a packetdrill script: one
 * connection (client, ISS 0, so data byte k has sequence number k) talks to a scripted peer that
 * answers with exactly the ACKs and SACK blocks a test gives. MSS 1000, one-way delay irrelevant:
 * the peer's segments arrive when injected. Runs on both engines (vitest.config.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../src/clock.js';
import { cubic, cubicK, cubicWindow } from '../src/congestion/cubic.js';
import { newReno } from '../src/congestion/newreno.js';
import { createCongestionControl } from '../src/congestion/state.js';
import { type ConnectionHandle, createConnection } from '../src/engine.js';
import { getProfile, type Profile } from '../src/profiles.js';
import { Flag, type Segment } from '../src/segment.js';
import type { ConnectionOutput, Tcb } from '../src/tcb/tcb.js';
import { CLIENT, SERVER, TEST_ENGINE } from './pair.js';

const MSS = 1000;
const PEER_ISS = 5000;
/** Handshake RTT: the SYN-ACK comes back this long after the SYN (the first RTT sample). */
const RTT = 100;

interface Sent {
  t: number;
  seq: number;
  len: number;
  flags: number;
  retransmit?: string;
  cause?: string;
}

/** One connection and a scripted peer. */
class Sender {
  readonly clock = new VirtualClock();
  readonly outputs: Array<{ t: number; output: ConnectionOutput }> = [];
  readonly handle: ConnectionHandle;

  constructor(profile: Profile, sack: boolean) {
    this.handle = createConnection(
      TEST_ENGINE,
      { id: 'client', local: CLIENT, remote: SERVER, profile, fixedIsn: 0 },
      { output: (output) => this.outputs.push({ t: this.clock.now(), output }), processed: () => {} },
      { clock: this.clock },
    );
    this.handle.send({ type: 'OPEN_ACTIVE', now: 0 });
    this.clock.advanceBy(RTT);
    this.inject({
      seq: PEER_ISS,
      ack: 1,
      flags: Flag.SYN | Flag.ACK,
      mss: MSS,
      ...(sack ? { sackOk: true } : {}),
    });
  }

  inject(fields: Partial<Segment> & { seq: number; ack: number; flags: number }): void {
    const segment: Segment = {
      srcAddr: SERVER.addr,
      srcPort: SERVER.port,
      dstAddr: CLIENT.addr,
      dstPort: CLIENT.port,
      win: 65_535,
      ...fields,
    };
    this.handle.send({ type: 'SEGMENT_ARRIVES', segment, now: this.clock.now() });
  }

  /** The peer acknowledges up to `ack` (a data byte number), with SACK blocks [left, right). */
  ack(ack: number, sack?: Array<[number, number]>): void {
    this.inject({
      seq: PEER_ISS + 1,
      ack,
      flags: Flag.ACK,
      ...(sack ? { sack: sack.map(([left, right]) => ({ left, right })) } : {}),
    });
  }

  send(bytes: number): void {
    this.handle.send({ type: 'SEND', now: this.clock.now(), data: new Uint8Array(bytes) });
  }

  advance(ms: number): void {
    this.clock.advanceBy(ms);
  }

  /** Data segments sent, in order (from output index `from` on). */
  data(from = 0): Sent[] {
    const sent: Sent[] = [];
    for (const { t, output } of this.outputs.slice(from)) {
      if (output.type !== 'segment' || !output.segment.data) continue;
      const s = output.segment;
      sent.push({
        t,
        seq: s.seq,
        len: s.data!.length,
        flags: s.flags,
        retransmit: output.retransmit,
        cause: output.cause,
      });
    }
    return sent;
  }

  mark(): number {
    return this.outputs.length;
  }

  get tcb(): Tcb {
    return this.handle.context;
  }

  stop(): void {
    this.handle.stop();
  }
}

/** Byte number of the first byte of segment n (1-based) of a stream cut in MSS segments. */
const seg = (n: number) => 1 + (n - 1) * MSS;

const linuxNoTimestamps = (overrides: Partial<Profile> = {}) => getProfile('linux', overrides);
/** NewReno without SACK (RFC 5681 / RFC 6582), IW 10 so a flight has room for three duplicate ACKs. */
const newRenoNoSack = () => getProfile('rfc9293', { initialWindow: 10 });

let sender: Sender | undefined;
afterEach(() => {
  sender?.stop();
  sender = undefined;
});

function start(profile: Profile, sack: boolean): Sender {
  sender = new Sender(profile, sack);
  return sender;
}

describe('RFC 5681 §3.1 slow start, RFC 6928 initial window', () => {
  it('the first flight is the initial window (10 segments in linux), not the peer window', () => {
    const s = start(linuxNoTimestamps(), true);
    s.send(60 * MSS);
    expect(s.data().map((d) => d.seq)).toEqual(Array.from({ length: 10 }, (_, i) => seg(i + 1)));
    expect(s.tcb.cc.cwnd).toBe(10);
    expect(s.outputs.filter((o) => o.output.type === 'cc').at(-1)?.output).toMatchObject({
      cc: { state: 'Open', cwnd: 10, inFlight: 10, sacked: 0, mss: MSS },
    });
  });

  it('slow start doubles the window per RTT: each ACKed segment adds one', () => {
    const s = start(linuxNoTimestamps(), true);
    s.send(100 * MSS);
    s.advance(RTT);
    const m = s.mark();
    for (let n = 1; n <= 10; n++) s.ack(seg(n + 1));
    expect(s.tcb.cc.cwnd).toBe(20);
    // Each ACK released two segments: the one that left and the one cwnd grew by.
    expect(s.data(m)).toHaveLength(20);
    expect(s.data(m).every((d) => d.retransmit === undefined)).toBe(true);
  });

  it('congestion avoidance (NewReno) adds one segment per window of ACKed segments', () => {
    const cc = createCongestionControl(20);
    cc.ssthresh = 10;
    for (let i = 0; i < 19; i++) newReno.congestionAvoidance(cc, 1, 0);
    expect(cc.cwnd).toBe(20);
    newReno.congestionAvoidance(cc, 1, 0);
    expect(cc.cwnd).toBe(21);
  });

  it('restart after idle (RFC 5681 §4.1): after more than an RTO without sending, cwnd falls back to IW', () => {
    const s = start(linuxNoTimestamps(), true);
    s.send(10 * MSS);
    s.advance(RTT);
    for (let n = 1; n <= 10; n++) s.ack(seg(n + 1));
    expect(s.tcb.cc.cwnd).toBe(20);
    s.advance(5 * s.tcb.rtt.rto);
    const m = s.mark();
    s.send(40 * MSS);
    expect(s.tcb.cc.cwnd).toBe(10);
    expect(s.data(m)).toHaveLength(10);
  });

  it('without slowStartAfterIdle the window survives the idle period', () => {
    const s = start(linuxNoTimestamps({ slowStartAfterIdle: false }), true);
    s.send(10 * MSS);
    s.advance(RTT);
    for (let n = 1; n <= 10; n++) s.ack(seg(n + 1));
    s.advance(5 * s.tcb.rtt.rto);
    const m = s.mark();
    s.send(40 * MSS);
    expect(s.data(m)).toHaveLength(20);
  });
});

describe('RFC 9438 CUBIC with Linux constants (beta 717/1024, C 0.4, fast convergence)', () => {
  it('multiplicative decrease to 0.7·cwnd, W_max remembered; fast convergence lowers W_max', () => {
    const cc = createCongestionControl(100);
    expect(cubic.ssthresh(cc, 100)).toBe(70); // floor(100 · 717 / 1024)
    expect(cc.cubic.lastMaxCwnd).toBe(100);
    cc.cwnd = 80; // a second loss below W_max
    expect(cubic.ssthresh(cc, 80)).toBe(56);
    expect(cc.cubic.lastMaxCwnd).toBe(68); // floor(80 · (1024 + 717) / 2048)
  });

  it('W_cubic(t) = C·(t − K)^3 + W_max, K = cbrt(W_max·(1 − β)/C)', () => {
    // W_max 100, cwnd after the drop 70: K = cbrt(30 / 0.4) s = 4.217 s = 4318 / 1024 s.
    const k = cubicK(100, 70);
    expect(k).toBeGreaterThanOrEqual(4315);
    expect(k).toBeLessThanOrEqual(4317);
    expect(cubicWindow(100, k, 0)).toBeGreaterThanOrEqual(70);
    expect(cubicWindow(100, k, 0)).toBeLessThanOrEqual(71);
    const kMs = Math.round((k * 1000) / 1024);
    expect(cubicWindow(100, k, kMs)).toBe(100); // the plateau at W_max
    // One second past K: W_max + 0.4 · 1^3 ≈ 100 (integer packets), ten seconds: + 0.4·1000 = 500.
    expect(cubicWindow(100, k, kMs + 10_000)).toBeGreaterThanOrEqual(499);
    expect(cubicWindow(100, k, kMs + 10_000)).toBeLessThanOrEqual(501);
  });

  it('in congestion avoidance cwnd grows along the curve: concave towards W_max, then convex', () => {
    const cc = createCongestionControl(100);
    cc.ssthresh = cubic.ssthresh(cc, 100);
    cc.cwnd = cc.ssthresh; // 70 after the loss, W_max 100
    cubic.onRttSample(cc, 100);
    const windows: number[] = [];
    // One RTT (100 ms) per round, cwnd ACKs per round.
    for (let round = 0; round < 80; round++) {
      const now = round * 100;
      const acks = cc.cwnd;
      for (let a = 0; a < acks; a++) cubic.congestionAvoidance(cc, 1, now);
      windows.push(cc.cwnd);
    }
    const growth = windows.slice(1).map((w, i) => w - windows[i]);
    // Fast at first, slowest near W_max (about 4.3 s in), faster again beyond it.
    expect(growth[0]).toBeGreaterThan(growth[38]);
    expect(windows[40]).toBeGreaterThanOrEqual(98);
    expect(windows[40]).toBeLessThanOrEqual(103);
    expect(growth[78]).toBeGreaterThan(growth[42]);
  });
});

describe('RFC 5681 §3.2 / RFC 6582 NewReno without SACK', () => {
  it('fast retransmit on the third duplicate ACK, not before', () => {
    const s = start(newRenoNoSack(), false);
    s.send(10 * MSS);
    s.advance(RTT);
    s.ack(seg(2)); // segment 1 arrived, segment 2 was lost
    const m = s.mark();
    s.ack(seg(2));
    s.ack(seg(2));
    expect(s.data(m).filter((d) => d.retransmit)).toEqual([]);
    expect(s.tcb.cc.state).toBe('Disorder');
    s.ack(seg(2));
    const resent = s.data(m).filter((d) => d.retransmit);
    expect(resent.map((d) => [d.seq, d.cause])).toEqual([[seg(2), 'fast']]);
    expect(s.tcb.cc.state).toBe('Recovery');
    // RFC 5681 eq. 4: ssthresh = max(FlightSize / 2, 2·SMSS) with 9 segments outstanding.
    expect(s.tcb.cc.ssthresh).toBe(4);
  });

  it('a partial ACK retransmits the next hole at once; the full ACK ends recovery at ssthresh', () => {
    const s = start(newRenoNoSack(), false);
    s.send(10 * MSS);
    s.advance(RTT);
    s.ack(seg(2));
    for (let i = 0; i < 3; i++) s.ack(seg(2)); // fast retransmit of 2; 5 was lost too
    const m = s.mark();
    s.ack(seg(5)); // partial: covers 2..4, not the recovery point
    const resent = s.data(m).filter((d) => d.retransmit);
    expect(resent.map((d) => [d.seq, d.cause])).toEqual([[seg(5), 'fast']]);
    expect(s.tcb.cc.state).toBe('Recovery');
    s.ack(seg(11) + 0 * MSS); // everything sent before recovery began
    expect(s.tcb.cc.state).toBe('Open');
    // cwnd = ssthresh (RFC 6582 step 3), and the same ACK may add one in congestion avoidance
    // (Linux tcp_cong_control runs after the state machine).
    expect(s.tcb.cc.cwnd - s.tcb.cc.ssthresh).toBeGreaterThanOrEqual(0);
    expect(s.tcb.cc.cwnd - s.tcb.cc.ssthresh).toBeLessThanOrEqual(1);
  });
});

describe('RFC 6675 SACK recovery and RFC 8985 RACK', () => {
  for (const rack of [true, false]) {
    it(`${rack ? 'RACK' : 'RFC 6675 IsLost'}: only the holes are resent, never what the peer SACKed`, () => {
      const s = start(linuxNoTimestamps({ rack }), true);
      s.send(10 * MSS);
      s.advance(RTT);
      const m = s.mark();
      // Segments 2 and 5 lost; the peer holds 1 (cumulatively) and 3–4, 6–10 (SACKed).
      s.ack(seg(2), [
        [seg(6), seg(11)],
        [seg(3), seg(5)],
      ]);
      const resent = s.data(m).filter((d) => d.retransmit);
      expect(resent.map((d) => [d.seq, d.cause])).toEqual([
        [seg(2), 'fast'],
        [seg(5), 'fast'],
      ]);
      expect(s.tcb.cc.state).toBe('Recovery');
      expect(s.tcb.loss.queue.sackedOut).toBe(7);
    });
  }

  it('RACK: a segment is marked lost only once the reordering window (min_RTT/4) has passed', () => {
    const s = start(linuxNoTimestamps(), true);
    s.send(20 * MSS);
    const sentAt = s.clock.now();
    s.advance(RTT);
    const m = s.mark();
    s.ack(seg(2), [[seg(3), seg(4)]]); // 2 missing, 3 SACKed: maybe reordering
    // Slow start: two delivered (1 ACKed, 3 SACKed) let four new segments out.
    expect(s.data(m)).toHaveLength(4);
    expect(s.data(m).filter((d) => d.retransmit)).toEqual([]);
    s.advance(RTT);
    const resent = s.data(m).filter((d) => d.retransmit);
    expect(resent.map((d) => [d.seq, d.cause])).toEqual([[seg(2), 'fast']]);
    // RACK.rtt (100 ms) + reo_wnd (min_RTT / 4 = 25 ms) after segment 2 was sent.
    expect(resent[0].t).toBe(sentAt + RTT + RTT / 4);
  });

  it('a D-SACK is recognised and counted, and does not tag the scoreboard', () => {
    const s = start(linuxNoTimestamps(), true);
    s.send(4 * MSS);
    s.advance(RTT);
    s.ack(seg(3), [[seg(1), seg(2)]]); // below SND.UNA: D-SACK (RFC 2883 §4 rule 1)
    expect(s.tcb.loss.dsacks).toBe(1);
    expect(s.tcb.loss.queue.sackedOut).toBe(0);
  });
});

describe('RFC 8985 §7 tail loss probe', () => {
  it('with the tail unacknowledged, the last segment is probed after PTO = 2·SRTT (+ slack), before the RTO', () => {
    const s = start(linuxNoTimestamps(), true);
    const m = s.mark();
    const at = s.clock.now();
    s.send(3 * MSS);
    const srtt = s.tcb.rtt.srtt!;
    expect(srtt).toBe(RTT);
    s.advance(2 * srtt + 10);
    const probes = s.data(m).filter((d) => d.retransmit);
    expect(probes.map((d) => [d.seq, d.cause])).toEqual([[seg(3), 'tlp']]);
    expect(probes[0].t).toBe(at + 2 * srtt + 2);
    expect(probes[0].t).toBeLessThan(at + s.tcb.rtt.rto);
  });

  it('one segment in flight: the PTO allows for a delayed ACK (+ rto_min)', () => {
    const s = start(linuxNoTimestamps(), true);
    const at = s.clock.now();
    s.send(MSS);
    s.advance(1000);
    const probe = s.data().find((d) => d.cause === 'tlp');
    // 2·SRTT + 200 = 400 ms, capped by the RTO (SRTT + max(200, 4·RTTVAR) = 300 ms): the probe
    // goes at the RTO's time, instead of it (Linux's single timer).
    expect(probe?.t).toBe(at + 300);
    expect(
      s
        .data()
        .filter((d) => d.t === at + 300)
        .map((d) => d.cause),
    ).toEqual(['tlp']);
  });

  it('no probe without RACK-TLP (rfc9293): the RTO repairs the tail', () => {
    const s = start(getProfile('rfc9293'), false);
    s.send(3 * MSS);
    s.advance(900);
    expect(s.data().filter((d) => d.retransmit)).toEqual([]);
  });
});

describe('RFC 6298 / RFC 5681 §3.1: a retransmission timeout', () => {
  it('sets cwnd to 1 (Loss), ssthresh from the flight, and resends in slow start skipping SACKed data', () => {
    const s = start(linuxNoTimestamps({ rack: false }), true);
    s.send(10 * MSS);
    s.advance(RTT);
    s.ack(seg(1), [[seg(9), seg(11)]]); // 9 and 10 arrived; too few SACKed above 1–8 to call them lost
    expect(s.data().filter((d) => d.retransmit)).toEqual([]);
    const m = s.mark();
    s.advance(s.tcb.rtt.rto + 1);
    expect(s.tcb.cc.state).toBe('Loss');
    expect(s.tcb.cc.cwnd).toBe(1);
    expect(s.tcb.cc.ssthresh).toBe(7); // CUBIC: floor(10 · 717 / 1024)
    expect(s.data(m).map((d) => [d.seq, d.cause])).toEqual([[seg(1), 'rto']]);
    // Slow start from 1: each ACK releases the next lost segments; 9 and 10 are never resent.
    for (let n = 2; n <= 9; n++) {
      s.advance(RTT);
      s.ack(seg(n), [[seg(9), seg(11)]]);
    }
    const resent = s.data(m).filter((d) => d.retransmit);
    expect(resent.map((d) => d.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map(seg));
    expect(resent.every((d) => d.cause === 'rto')).toBe(true);
    s.ack(seg(11));
    expect(s.tcb.cc.state).toBe('Open');
  });
});

describe('RFC 2018 §8 reneging', () => {
  it('an RTO with the first unacknowledged segment SACKed forgets the SACKs and resends from it', () => {
    const s = start(linuxNoTimestamps({ rack: false }), true);
    s.send(3 * MSS);
    s.advance(RTT);
    s.ack(seg(1), [[seg(1), seg(4)]]); // everything SACKed, nothing cumulatively ACKed
    const m = s.mark();
    s.advance(s.tcb.rtt.rto + 1);
    expect(s.data(m).map((d) => [d.seq, d.cause])).toEqual([[seg(1), 'rto']]);
    expect(s.tcb.loss.queue.sackedOut).toBe(0);
  });
});
