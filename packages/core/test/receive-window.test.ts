/**
 * Receiver silly-window avoidance (tcb/receive-window.ts; RFC 9293 §3.8.6.2.2): the window offered
 * never moves its right edge left, opens only in worthwhile steps, and a read sends a window update
 * only when it is worth one. Linux: __tcp_select_window, tcp_select_window, __tcp_cleanup_rbuf.
 */
import { describe, expect, it } from 'vitest';
import { getProfile, type Profile } from '../src/profiles.js';
import {
  acceptableWindow,
  offerWindow,
  openWindow,
  owedSecondSegmentAck,
  windowAllowsQuickAck,
  windowUpdateAfterRead,
} from '../src/tcb/receive-window.js';
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

describe('ACKs held back by unread data (linux: __tcp_ack_snd_check, __tcp_cleanup_rbuf)', () => {
  it('a second full segment is not ACKed at once while unread data keeps the window below the last one', () => {
    // 7000 unread of 10000: the window allowed is 2920, less than the 4000 offered last.
    const t = offered(receiver(LINUX_10K, 7000), 4000);
    expect(windowAllowsQuickAck(t)).toBe(false);
    t.readable = new Uint8Array(0);
    expect(windowAllowsQuickAck(t)).toBe(true);
  });

  it('the rfc9293 profile ACKs every second segment whatever the window (RFC 5681 §4.2)', () => {
    expect(windowAllowsQuickAck(offered(receiver(RFC_10K, 6000), 4000))).toBe(true);
  });

  it('a read sends the ACK held back once more than one receive MSS is unacknowledged', () => {
    const t = receiver(LINUX_10K, 3000);
    t.ackPending = true;
    t.lastAckSent = RCV_NXT - 1460;
    expect(owedSecondSegmentAck(t)).toBe(false);
    t.lastAckSent = RCV_NXT - 1461;
    expect(owedSecondSegmentAck(t)).toBe(true);
    t.ackPending = false;
    expect(owedSecondSegmentAck(t)).toBe(false);
  });
});

describe('reading part of the buffer (RECEIVE with a byte count, as read(2))', () => {
  /** The server got 3 × 1152 bytes into a 10,000-byte buffer (8760 offered) and read none. */
  function loaded(): Pair {
    const profile = getProfile('linux', { timestamps: false, windowScaling: false, receiveBuffer: 10_000 });
    const p = new Pair({ profile, clientIsn: 1000, serverIsn: 5000, serverAutoRead: false });
    p.connect();
    p.advance(30);
    for (let i = 0; i < 3; i++) p.send('client', new Uint8Array(1152).fill(i + 1));
    p.advance(1000);
    return p;
  }

  it('hands over only the bytes asked for, in order, and keeps the rest buffered', () => {
    const p = loaded();
    const delivered = (): number[] => p.outputsOf('server', 'data').flatMap((o) => [...o.bytes]);
    p.receive('server', 1000);
    expect(delivered()).toHaveLength(1000);
    expect(new Set(delivered())).toEqual(new Set([1]));
    expect(p.tcb('server').readable.length).toBe(3456 - 1000);
    p.receive('server');
    expect(delivered()).toHaveLength(3456);
    expect(delivered().slice(1000, 1152)).toEqual(new Array(152).fill(1));
    expect(delivered().at(-1)).toBe(3);
    expect(p.tcb('server').readable.length).toBe(0);
  });
});

describe('a zero window offered stays shut for arriving data until an update opens it', () => {
  it('linux: window 0 offered, 1152 bytes freed by a read since: still nothing acceptable (tcp_data_queue)', () => {
    const t = offered(receiver(LINUX_10K, 10_000 - 1152), 0);
    expect(receiveWindow(t)).toBe(1152);
    expect(acceptableWindow(t)).toBe(0);
    offered(t, 1152);
    expect(acceptableWindow(t)).toBe(1152);
  });

  it('rfc9293: the free space is acceptable', () => {
    expect(acceptableWindow(offered(receiver(RFC_10K, 10_000 - 1152), 0))).toBe(1152);
  });
});
