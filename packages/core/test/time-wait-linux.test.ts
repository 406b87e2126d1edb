/**
 * TIME-WAIT under profile.timeWaitRules = 'linux' (tcp_timewait_state_process) against 'rfc9293'
 * (§3.10.7.4), and profile.rfc1337 (Linux tcp_rfc1337). Kernel-checked by
 * conformance/time-wait-data-acked.pkt and time-wait-rst-rfc1337.pkt.
 */
import { describe, expect, it } from 'vitest';
import { getProfile } from '../src/profiles.js';
import { Flag } from '../src/segment.js';
import { timeWaitReopenIss } from '../src/tcb/time-wait.js';
import { Pair } from './pair.js';

/** The client in TIME-WAIT (it closed first), every later server segment dropped. */
function clientInTimeWait(profile: string, overrides = {}): Pair {
  const p = new Pair({ clientIsn: 1000, serverIsn: 5000, profile: getProfile(profile, overrides) });
  p.connect();
  p.advance(30);
  p.close('client');
  p.advance(20);
  p.close('server');
  p.advance(100);
  expect(p.state('client')).toBe('TIME_WAIT');
  p.drop = () => true;
  return p;
}

function clientSegmentsSince(p: Pair, mark: number) {
  return p.wire
    .slice(mark)
    .filter((w) => w.from === 'client')
    .map((w) => w.segment);
}

describe('TIME-WAIT: data after the peer’s FIN', () => {
  it('linux: data at RCV.NXT is answered with an ACK and not accepted (TCP_TW_ACK)', () => {
    const p = clientInTimeWait('linux');
    const t = p.tcb('client');
    const mark = p.mark();
    const data = new Uint8Array(100);
    p.inject(
      'client',
      p.segmentFrom('server', { seq: t.rcvNxt, ack: t.sndNxt, flags: Flag.ACK | Flag.PSH, data }),
    );
    const sent = clientSegmentsSince(p, mark);
    expect(sent.map((s) => [s.flags, s.seq, s.ack, s.data?.length ?? 0])).toEqual([
      [Flag.ACK, t.sndNxt, t.rcvNxt, 0],
    ]);
    expect(p.state('client')).toBe('TIME_WAIT');
    expect(p.tcb('client').rcvNxt).toBe(t.rcvNxt);
  });

  it('rfc9293: the same text is ignored silently (seventh step: "Ignore the segment text")', () => {
    const p = clientInTimeWait('rfc9293');
    const t = p.tcb('client');
    const mark = p.mark();
    const data = new Uint8Array(100);
    p.inject(
      'client',
      p.segmentFrom('server', { seq: t.rcvNxt, ack: t.sndNxt, flags: Flag.ACK | Flag.PSH, data }),
    );
    expect(clientSegmentsSince(p, mark)).toEqual([]);
    expect(p.state('client')).toBe('TIME_WAIT');
  });
});

describe('TIME-WAIT: RST and tcp_rfc1337', () => {
  it('linux, rfc1337 = 0: a RST at RCV.NXT ends TIME-WAIT', () => {
    const p = clientInTimeWait('linux');
    p.inject('client', p.segmentFrom('server', { seq: p.tcb('client').rcvNxt, flags: Flag.RST }));
    expect(p.state('client')).toBe('CLOSED');
  });

  it('linux, rfc1337 = 1: the RST is ignored and a retransmitted FIN is still ACKed', () => {
    const p = clientInTimeWait('linux', { rfc1337: true });
    const t = p.tcb('client');
    p.inject('client', p.segmentFrom('server', { seq: t.rcvNxt, flags: Flag.RST }));
    expect(p.state('client')).toBe('TIME_WAIT');
    const mark = p.mark();
    p.advance(100);
    p.inject(
      'client',
      p.segmentFrom('server', { seq: t.rcvNxt - 1, ack: t.sndNxt, flags: Flag.FIN | Flag.ACK }),
    );
    expect(clientSegmentsSince(p, mark).map((s) => [s.flags, s.seq, s.ack])).toEqual([
      [Flag.ACK, t.sndNxt, t.rcvNxt],
    ]);
  });

  it('linux: a RST in the window but not at RCV.NXT is dropped silently (no challenge ACK)', () => {
    const p = clientInTimeWait('linux');
    const mark = p.mark();
    p.inject('client', p.segmentFrom('server', { seq: p.tcb('client').rcvNxt + 1, flags: Flag.RST }));
    expect(clientSegmentsSince(p, mark)).toEqual([]);
    expect(p.state('client')).toBe('TIME_WAIT');
  });
});

describe('TIME-WAIT: a new SYN reopens the 4-tuple (TCP_TW_SYN)', () => {
  it('linux: a SYN above RCV.NXT gets ISS = SND.NXT + 65537; one at or below RCV.NXT does not', () => {
    const p = clientInTimeWait('linux');
    const t = p.tcb('client');
    const syn = (seq: number) => p.segmentFrom('server', { seq, flags: Flag.SYN });
    expect(timeWaitReopenIss(t, syn(t.rcvNxt + 1000))).toBe((t.sndNxt + 65_537) >>> 0);
    expect(timeWaitReopenIss(t, syn(t.rcvNxt))).toBeUndefined();
    expect(timeWaitReopenIss(t, syn(t.rcvNxt - 10))).toBeUndefined();
    const synAck = p.segmentFrom('server', { seq: t.rcvNxt + 1000, ack: 1, flags: Flag.SYN | Flag.ACK });
    expect(timeWaitReopenIss(t, synAck)).toBeUndefined();
  });

  it('rfc9293: a SYN never reopens TIME-WAIT', () => {
    const p = clientInTimeWait('rfc9293');
    const t = p.tcb('client');
    expect(
      timeWaitReopenIss(t, p.segmentFrom('server', { seq: t.rcvNxt + 1000, flags: Flag.SYN })),
    ).toBeUndefined();
  });
});
