/**
 * A SYN for a 4-tuple in TIME-WAIT on the side that closed first (Linux tcp_timewait_state_process →
 * TCP_TW_SYN, tcp_v4_rcv hands it to the listener): with a listener it opens a new connection whose
 * ISS is the old SND.NXT + 65537; the rfc9293 profile only re-ACKs it. Kernel-checked by
 * conformance/time-wait-new-syn-accepted.pkt.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../src/clock.js';
import { keyFromSeed } from '../src/hash.js';
import { Host } from '../src/host.js';
import { getProfile } from '../src/profiles.js';
import { Flag, type Segment } from '../src/segment.js';

const from = (flags: number, seq: number, ack = 0): Segment => ({
  srcAddr: '10.0.0.1',
  srcPort: 40000,
  dstAddr: '10.0.0.2',
  dstPort: 80,
  seq,
  ack,
  flags,
  win: 65535,
  mss: 1460,
});

/** A server host (ISS 0) whose accepted connection closed first and sits in TIME-WAIT. */
function serverInTimeWait(profile: string, engine: 'actor' | 'table') {
  const sent: Segment[] = [];
  const host = new Host({
    id: 'server',
    address: '10.0.0.2',
    profile: getProfile(profile, { timestamps: false, sack: false, windowScaling: false }),
    clock: new VirtualClock(),
    isnKey: keyFromSeed(1, 1),
    fixedIsn: 0,
    events: { segment: (s) => sent.push(s), state: () => {}, app: () => {}, timer: () => {}, drop: () => {} },
    engine,
  });
  host.listen(80, { autoAccept: false });
  host.deliver(from(Flag.SYN, 0));
  host.deliver(from(Flag.ACK, 1, 1));
  const conn = host.accept(80);
  if (conn === undefined) throw new Error('no connection accepted');
  host.close(conn);
  host.deliver(from(Flag.FIN | Flag.ACK, 1, 2));
  expect(host.connections()).toEqual([{ conn, state: 'TIME_WAIT' }]);
  sent.length = 0;
  return { host, sent, conn };
}

describe.each(['actor', 'table'] as const)('TIME-WAIT: a new SYN above RCV.NXT (%s engine)', (engine) => {
  it('linux: reopens the 4-tuple through the listener with ISS = old SND.NXT + 65537', () => {
    const { host, sent, conn } = serverInTimeWait('linux', engine);
    host.deliver(from(Flag.SYN, 1000));
    expect(sent.map((s) => [s.flags, s.seq, s.ack])).toEqual([[Flag.SYN | Flag.ACK, 65_539, 1001]]);
    expect(host.connections()).toEqual([{ conn: `${conn}#2`, state: 'SYN_RECEIVED' }]);
    host.deliver(from(Flag.ACK, 1001, 65_540));
    expect(host.accept(80)).toBe(`${conn}#2`);
  });

  it('linux: a SYN at or below RCV.NXT does not reopen (challenge ACK, TIME-WAIT stays)', () => {
    const { host, sent, conn } = serverInTimeWait('linux', engine);
    host.deliver(from(Flag.SYN, 2));
    expect(sent.map((s) => [s.flags, s.seq, s.ack])).toEqual([[Flag.ACK, 2, 2]]);
    expect(host.connections()).toEqual([{ conn, state: 'TIME_WAIT' }]);
  });

  it('rfc9293: the SYN is only re-ACKed (RFC 5961 §4.2) and TIME-WAIT stays', () => {
    const { host, sent, conn } = serverInTimeWait('rfc9293', engine);
    host.deliver(from(Flag.SYN, 1000));
    expect(sent.map((s) => [s.flags, s.seq, s.ack])).toEqual([[Flag.ACK, 2, 2]]);
    expect(host.connections()).toEqual([{ conn, state: 'TIME_WAIT' }]);
  });
});
