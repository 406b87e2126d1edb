/**
 * The listening socket's edges that are not a SYN: RFC 9293 §3.10.7.2 — an ACK gets a reset, an
 * RST is ignored, and anything else (a bare FIN, data without ACK) is dropped (Linux
 * tcp_rcv_state_process discards it); after `unlisten` the port is closed and a SYN gets RST+ACK.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../src/clock.js';
import { keyFromSeed } from '../src/hash.js';
import { Host } from '../src/host.js';
import { getProfile } from '../src/profiles.js';
import { Flag, type Segment } from '../src/segment.js';

function listeningHost() {
  const sent: Segment[] = [];
  const drops: string[] = [];
  const host = new Host({
    id: 'server',
    address: '10.0.0.2',
    profile: getProfile('linux'),
    clock: new VirtualClock(),
    isnKey: keyFromSeed(1, 1),
    events: {
      segment: (segment) => sent.push(segment),
      state: () => {},
      app: () => {},
      timer: () => {},
      drop: (_segment, reason) => drops.push(reason),
    },
    engine: 'table',
  });
  host.listen(80);
  return { host, sent, drops };
}

const from = (flags: number, extra: Partial<Segment> = {}): Segment => ({
  srcAddr: '10.0.0.1',
  srcPort: 40000,
  dstAddr: '10.0.0.2',
  dstPort: 80,
  seq: 1000,
  ack: 0,
  flags,
  win: 65535,
  ...extra,
});

describe('a segment reaching a LISTEN socket', () => {
  it('a bare FIN is dropped without a reply', () => {
    const { host, sent, drops } = listeningHost();
    host.deliver(from(Flag.FIN));
    expect(sent).toEqual([]);
    expect(drops).toEqual(['listen-no-ack']);
  });

  it('data without ACK is dropped without a reply', () => {
    const { host, sent } = listeningHost();
    host.deliver(from(Flag.PSH, { data: new Uint8Array(10) }));
    expect(sent).toEqual([]);
  });

  it('an ACK is still answered with RST (seq = SEG.ACK)', () => {
    const { host, sent } = listeningHost();
    host.deliver(from(Flag.ACK, { ack: 777 }));
    expect(sent.map((s) => [s.flags, s.seq])).toEqual([[Flag.RST, 777]]);
  });

  it('after unlisten a SYN is refused with RST+ACK', () => {
    const { host, sent } = listeningHost();
    host.unlisten(80);
    host.deliver(from(Flag.SYN));
    expect(sent.map((s) => [s.flags, s.ack])).toEqual([[Flag.RST | Flag.ACK, 1001]]);
  });
});
