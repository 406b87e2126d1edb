/**
 * Sender silly-window avoidance (tcb/sender-sws.ts; RFC 9293 §3.8.6.2.1): a short usable window is
 * not filled with a short segment while more data waits, unless it is at least what the profile
 * deems worth it; the persist (override) timer sends what the window allows, with PSH. Kernel-checked
 * counterparts: conformance/sws-sender-*.pkt.
 */
import { describe, expect, it } from 'vitest';
import { getProfile, type Profile } from '../src/profiles.js';
import { Flag } from '../src/segment.js';
import { Pair } from './pair.js';

/** No timestamps: the MSS is a round 1460, as in the conformance scripts. */
function established(profile: Profile): Pair {
  const p = new Pair({ profile, clientIsn: 1000, serverIsn: 5000 });
  p.connect();
  p.advance(30);
  expect(p.state('client')).toBe('ESTABLISHED');
  return p;
}

/** The server shrinks its window to `win` (its application reads slowly), as seen by the client. */

/** The client's data segments as "t+offset len[P]" from wire index `from` (t relative to `t0`). */
function clientData(p: Pair, from: number, t0: number): string[] {
  return p.wire
    .slice(from)
    .filter((w) => w.from === 'client' && (w.segment.data?.length ?? 0) > 0)
    .map(
      (w) =>
        `${w.t - t0} ${w.segment.seq - 1001}+${w.segment.data?.length}${w.segment.flags & Flag.PSH ? 'P' : ''}`,
    );
}

const LINUX = getProfile('linux', { timestamps: false, windowScaling: false });
const RFC = getProfile('rfc9293');

describe('sender silly-window avoidance (linux: tcp_snd_wnd_test)', () => {
  it('holds a write whose first MSS does not fit a 1000-byte window, then the persist timer fills the window with PSH', () => {
    const p = established(LINUX);
    p.offerWindow('server', 1000);
    const start = p.mark();
    const t0 = p.clock.now();
    p.send('client', 2000);
    p.advance(1);
    expect(clientData(p, start, t0)).toEqual([]);
    p.advance(2000);
    // The persist timer fires max(RTO, 200 ms) after the write (Linux tcp_probe0_base); the ACK of
    // those 1000 bytes carries the server's real, open window and releases the rest.
    const sent = clientData(p, start, t0);
    const rto = p.tcb('client').rtt.rto;
    expect(sent[0]).toBe(`${Math.max(rto, 200)} 0+1000P`);
    expect(sent.slice(1).map((s) => s.split(' ')[1])).toEqual(['1000+1000P']);
  });

  it('sends at once a write that fits the small window whole (the end of the data)', () => {
    const p = established(LINUX);
    p.offerWindow('server', 1000);
    const start = p.mark();
    const t0 = p.clock.now();
    p.send('client', 800);
    p.advance(1);
    expect(clientData(p, start, t0)).toEqual(['0 0+800P']);
  });

  it('after full-sized segments, the burst may end in a window-limited short segment', () => {
    const p = established(LINUX);
    p.offerWindow('server', 2500);
    const start = p.mark();
    const t0 = p.clock.now();
    p.send('client', 5000);
    p.advance(1);
    // tcp_mss_split_point: the head's first MSS fits, so the whole usable window leaves.
    expect(clientData(p, start, t0)).toEqual(['0 0+1460', '0 1460+1040']);
  });

  it("'off' fills any usable window at once", () => {
    const p = established(getProfile('linux', { timestamps: false, windowScaling: false, senderSws: 'off' }));
    p.offerWindow('server', 1000);
    const start = p.mark();
    const t0 = p.clock.now();
    p.send('client', 2000);
    p.advance(1);
    expect(clientData(p, start, t0)).toEqual(['0 0+1000']);
  });
});

describe('sender silly-window avoidance (rfc9293: Fs = 1/2 of the max window)', () => {
  it('holds data for a usable window below half the largest window offered, until the override timer', () => {
    const p = established(RFC);
    p.offerWindow('server', 1000); // max window 65,535: 1000 < 32,767
    const start = p.mark();
    const t0 = p.clock.now();
    p.send('client', 2000);
    p.advance(1);
    expect(clientData(p, start, t0)).toEqual([]);
    p.advance(p.tcb('client').rtt.rto);
    expect(clientData(p, start, t0)[0]).toBe(`${p.tcb('client').rtt.rto} 0+1000P`);
  });

  it('sends into a usable window of at least half the largest window, though shorter than the MSS', () => {
    const p = established(getProfile('rfc9293', { receiveBuffer: 1500 }));
    // Max window 1500: a 1000-byte window is at least Fs·1500 = 750.
    p.offerWindow('server', 1000);
    const start = p.mark();
    const t0 = p.clock.now();
    p.send('client', 2000);
    p.advance(1);
    expect(clientData(p, start, t0)[0]).toBe('0 0+1000');
  });
});
