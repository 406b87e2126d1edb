/**
 * Receiver silly-window avoidance (tcb/receive-window.ts; RFC 9293 §3.8.6.2.2): the window offered
 * never moves its right edge left, opens only in worthwhile steps, and a read sends a window update
 * only when it is worth one. Linux: __tcp_select_window, tcp_select_window, __tcp_cleanup_rbuf.
 */
import { describe, expect, it } from 'vitest';
import { getProfile, type Profile } from '../src/profiles.js';
import { offerWindow, openWindow, windowUpdateAfterRead } from '../src/tcb/receive-window.js';
import { createTcb, receiveWindow, type Tcb } from '../src/tcb/tcb.js';
import { Pair } from './pair.js';

const RCV_NXT = 1000;

/** A receiver with `unread` bytes waiting for the application, nothing offered yet. */
function receiver(profile: Profile, unread: number, scale?: number): Tcb {
  const t = createTcb({ local: { addr: '10.0.0.2', port: 80 }, profile });
  t.rcvNxt = RCV_NXT;
  t.rcvMss = 1460;
  t.sendMss = 1460;
  t.readable = new Uint8Array(unread);
  if (scale !== undefined) {
    t.wsOk = true;
    t.rcvWscale = scale;
  }
  return t;
}

/** We offered `window` bytes from RCV.NXT last. */
function offered(t: Tcb, window: number): Tcb {
  t.rcvWnd = window;
  t.rcvWndEdge = RCV_NXT + window;
  return t;
}

const LINUX_10K = getProfile('linux', { receiveBuffer: 10_000 });
const LINUX_100K = getProfile('linux', { receiveBuffer: 100_000 });
const RFC_10K = getProfile('rfc9293', { receiveBuffer: 10_000 });

describe('receiver SWS avoidance (linux: __tcp_select_window)', () => {
  it('offers 0 when less than half the buffer is free and the free space is under one MSS', () => {
    expect(offerWindow(receiver(LINUX_10K, 9000))).toBe(0);
  });

  it('without window scaling, rounds the free space down to a multiple of the MSS', () => {
    expect(offerWindow(receiver(LINUX_10K, 3000))).toBe(4 * 1460);
  });

  it('keeps the window offered last while it is within one MSS of the free space', () => {
    // Free 7000: the 5840 offered last is more than 7000 − 1460, so it stays (no re-rounding).
    const t = receiver(LINUX_10K, 3000);
    t.rcvWnd = 5840;
    expect(offerWindow(t)).toBe(5840);
  });

  it('never shrinks: a window still open beyond the free space is offered again (tcp_select_window)', () => {
    const t = offered(receiver(LINUX_10K, 9000), 8000);
    expect(offerWindow(t)).toBe(8000);
    expect(openWindow(t)).toBe(8000);
  });

  it('with window scaling: aligned up to the scale unit while half the buffer is free, rounded down below', () => {
    expect(offerWindow(receiver(LINUX_100K, 40_000, 7))).toBe(Math.ceil(60_000 / 128) * 128);
    expect(offerWindow(receiver(LINUX_100K, 60_000, 7))).toBe(Math.floor(40_000 / 128) * 128);
  });

  it('offers 0 below 1/16 of the buffer even when more than one MSS is free', () => {
    expect(offerWindow(receiver(LINUX_100K, 95_000, 7))).toBe(0);
  });

  it('a read sends a window update when the window at least doubles (__tcp_cleanup_rbuf)', () => {
    const t = offered(receiver(LINUX_10K, 0), 1000);
    t.rcvWndCap = 8760;
    expect(windowUpdateAfterRead(t, 1000)).toBe(true);
  });

  it('a read that does not double the window sends no update', () => {
    // 4000 open, 6000 free after the read: the window would be 5840, less than 8000.
    const t = offered(receiver(LINUX_10K, 4000), 4000);
    expect(windowUpdateAfterRead(t, 4000)).toBe(false);
  });

  it('no update while more than half the clamp is still open', () => {
    const t = offered(receiver(LINUX_10K, 0), 6000);
    expect(windowUpdateAfterRead(t, 6000)).toBe(false);
  });
});

describe('receiver SWS avoidance (rfc9293: open by at least min(Fr·RCV.BUFF, MSS))', () => {
  it('keeps the right edge until the free space exceeds the open window by one MSS', () => {
    expect(offerWindow(offered(receiver(RFC_10K, 1000), 8000))).toBe(8000);
    expect(offerWindow(offered(receiver(RFC_10K, 500), 8000))).toBe(9500);
  });

  it('a read sends the update only when the window may open by that much', () => {
    expect(windowUpdateAfterRead(offered(receiver(RFC_10K, 1000), 8000), 9000)).toBe(false);
    expect(windowUpdateAfterRead(offered(receiver(RFC_10K, 0), 8000), 10_000)).toBe(true);
  });
});

describe("receiver SWS avoidance 'off'", () => {
  it('offers all the free space, and a read sends an update only to reopen a zero window', () => {
    const off = getProfile('rfc9293', { receiveBuffer: 10_000, receiverSws: 'off' });
    expect(offerWindow(offered(receiver(off, 9000), 1000))).toBe(1000);
    const t = receiver(off, 0);
    expect(offerWindow(t)).toBe(receiveWindow(t));
    expect(windowUpdateAfterRead(t, 0)).toBe(true);
    expect(windowUpdateAfterRead(t, 500)).toBe(false);
  });
});

describe('a slow reader (no window scaling, 10,000-byte buffer, 8760 offered on the SYN-ACK)', () => {
  /**
   * Server windows sent after the server reads 7300 unread bytes; `openBefore`: the window its last
   * ACK offered (linux: 2700 free rounded down to one MSS; off: all 2700).
   */
  function updateAfterRead(receiverSws: Profile['receiverSws'], openBefore: number): number[] {
    const profile = getProfile('linux', {
      timestamps: false,
      windowScaling: false,
      receiveBuffer: 10_000,
      receiverSws,
    });
    const p = new Pair({ profile, clientIsn: 1000, serverIsn: 5000, serverAutoRead: false });
    p.connect();
    p.advance(30);
    p.send('client', 7300);
    p.advance(1000);
    expect(p.sentBy('server').at(-1)?.segment.win).toBe(openBefore);
    const before = p.sentBy('server').length;
    p.receive('server');
    return p
      .sentBy('server')
      .slice(before)
      .map((w) => w.segment.win);
  }

  it('linux: a read that more than doubles a small open window sends a window update at once', () => {
    expect(updateAfterRead('linux', 1460)).toEqual([8760]);
  });

  it("'off': the same read sends nothing, the window was not zero", () => {
    expect(updateAfterRead('off', 2700)).toEqual([]);
  });
});
