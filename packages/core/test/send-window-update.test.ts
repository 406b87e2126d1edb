/**
 * Which ACKs may change the send window (profile.sendWindowUpdate, tcb/synchronized.ts): RFC 9293
 * §3.10.7.4's SND.WL1/SND.WL2 test, and Linux tcp_may_update_window, which ignores a smaller nonzero
 * window on an ACK that neither advances SND.UNA nor carries a newer SEG.SEQ. Kernel-checked
 * counterpart: conformance/window-update-same-seq-smaller-ignored.pkt. Runs on both engines
 * (vitest.config.ts).
 */
import { describe, expect, it } from 'vitest';
import { getProfile, type Profile } from '../src/profiles.js';
import { Pair } from './pair.js';

const LINUX = getProfile('linux', { timestamps: false, windowScaling: false });
const RFC = getProfile('rfc9293');

/** An established pair whose client last took a 10,000-byte window from the server's ACK. */
function established(profile: Profile): Pair {
  const p = new Pair({ profile, clientIsn: 1000, serverIsn: 5000 });
  p.connect();
  p.advance(30);
  expect(p.state('client')).toBe('ESTABLISHED');
  p.offerWindow('server', 10_000);
  expect(p.tcb('client').sndWnd).toBe(10_000);
  return p;
}

/** The server (which sends no data: SEG.SEQ stays the same) ACKs what the client sent, offering `win`. */

describe('send window updates from ACKs with the same SEG.SEQ', () => {
  it.each([
    // [what, profile, window offered, send window after]
    ['linux ignores a smaller window on a duplicate ACK', LINUX, 2000, 10_000],
    ['rfc9293 takes it (SND.WL1 = SEG.SEQ, SND.WL2 =< SEG.ACK)', RFC, 2000, 2000],
    ['linux takes a larger window', LINUX, 20_000, 20_000],
    ['rfc9293 takes a larger window', RFC, 20_000, 20_000],
    ['linux takes a zero window (tcp_may_update_window: !nwin)', LINUX, 0, 0],
    ['rfc9293 takes a zero window', RFC, 0, 0],
  ])('%s', (_what, profile, win, expected) => {
    const p = established(profile);
    p.offerWindow('server', win);
    expect(p.tcb('client').sndWnd).toBe(expected);
  });

  it.each([
    ['linux', LINUX],
    ['rfc9293', RFC],
  ])('%s: an ACK that advances SND.UNA shrinks the window', (_name, profile) => {
    const p = established(profile);
    p.send('client', 500);
    p.advance(1);
    expect(p.tcb('client').sndNxt).toBe(p.tcb('client').sndUna + 500);
    p.offerWindow('server', 2000);
    expect(p.tcb('client').sndWnd).toBe(2000);
  });

  it('linux: the window a duplicate ACK could not shrink still lets a 2000-byte write leave whole', () => {
    const p = established(LINUX);
    p.offerWindow('server', 1000);
    const from = p.mark();
    p.send('client', 2000);
    p.advance(1);
    const sent = p.wire.slice(from).filter((w) => w.from === 'client' && (w.segment.data?.length ?? 0) > 0);
    expect(sent.map((w) => w.segment.data?.length)).toEqual([1460, 540]);
  });
});
