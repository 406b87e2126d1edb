/**
 * Linux's segment sizing and PSH marking (tcb/push.ts, profile.linuxPush): the MSS bounded to half
 * the peer's max window (tcp_bound_to_half_wnd) and PSH forced every half max window inside a long
 * write (forced_push). Kernel-checked counterparts: conformance/window-limited-send.pkt,
 * options-synack-echoes-offer.pkt, cork-holds-until-full-mss.pkt (no PSH where a write did not end).
 */
import { describe, expect, it } from 'vitest';
import { getProfile } from '../src/profiles.js';
import { Flag } from '../src/segment.js';
import { Pair } from './pair.js';

/** The client's new data segments as "offset+len[P]" (offset from the first data byte). */
function clientData(p: Pair): string[] {
  return p
    .sentBy('client')
    .filter((w) => (w.segment.data?.length ?? 0) > 0 && !w.retransmit)
    .map((w) => `${w.segment.seq - 1001}+${w.segment.data?.length}${w.segment.flags & Flag.PSH ? 'P' : ''}`);
}

/**
 * Without linuxPush the MSS is not halved, so sender SWS avoidance (tcb/sender-sws.ts) would hold
 * every 500-byte piece of a 1460-MSS connection for the persist timer: off there, to look at PSH alone.
 */
function established(receiveBuffer: number, linuxPush = true): Pair {
  const senderSws = linuxPush ? 'linux' : 'off';
  const profile = getProfile('linux', {
    timestamps: false,
    windowScaling: false,
    receiveBuffer,
    linuxPush,
    senderSws,
  });
  const p = new Pair({ profile, clientIsn: 1000, serverIsn: 5000 });
  p.connect();
  p.advance(30);
  return p;
}

describe('linux segment sizing and PSH', () => {
  it('a 500-byte max window cuts segments of 500 bytes, each pushed (more than half the window since the last PSH)', () => {
    const p = established(500);
    p.send('client', 1200);
    p.settle(5_000);
    expect(clientData(p)).toEqual(['0+500P', '500+500P', '1000+200P']);
  });

  it('without linuxPush: MSS-sized pieces of the window, PSH only where the queue empties', () => {
    const p = established(500, false);
    p.send('client', 1200);
    p.settle(5_000);
    expect(clientData(p)).toEqual(['0+500', '500+500', '1000+200P']);
  });

  it('a long write into a 64 KiB window is pushed at the end of its second 32,120-byte skb, then at its end', () => {
    const p = established(65_535);
    p.send('client', 70_000);
    p.settle(10_000);
    const pushed = clientData(p).filter((s) => s.endsWith('P'));
    // Max window 65,535: size goal 22 × 1460 = 32,120 (half of it in MSS multiples); the first skb
    // ends 32,120 after the last push (not more than 32,767), the second 64,240: forced there.
    expect(pushed).toEqual(['62780+1460P', '68620+1380P']);
  });
});
