/**
 * ABORT on the linux profile: Linux's active reset (tcp_send_active_reset, from close() with unread
 * data or SO_LINGER 0) carries ACK and acknowledges RCV.NXT — <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK>
 * (kernel-checked: conformance/close-linger-zero-rst.pkt, close-unread-data-rst.pkt); the rfc9293
 * profile keeps RFC 9293 §3.10.5's <SEQ=SND.NXT><CTL=RST>.
 */
import { describe, expect, it } from 'vitest';
import { Pair } from './pair.js';

function established(profile: string): Pair {
  const p = new Pair({ profile, clientIsn: 1000, serverIsn: 5000 });
  p.connect();
  p.advance(30);
  expect(p.state('client')).toBe('ESTABLISHED');
  return p;
}

describe('ABORT', () => {
  it('linux: RST+ACK acknowledging what was received', () => {
    const p = established('linux');
    p.send('client', 10);
    p.abort('client');
    expect(p.ladderSince(3).at(-1)).toBe('30 client [ACK,RST] seq=1011 ack=5001 len=0');
  });

  it('rfc9293: a bare RST', () => {
    const p = established('rfc9293');
    p.abort('client');
    expect(p.ladderSince(3).at(-1)).toBe('30 client [RST] seq=1001 ack=0 len=0');
  });
});

/**
 * close() with unread received data (Linux tcp_close "data_was_unread", RFC 2525 §2.17): the core
 * itself turns the CLOSE into an abort when the TCB's own buffer holds unread text (autoRead off),
 * or when the socket layer above says it holds some (`unread`), unless the profile keeps RFC 9293's
 * FIN (profile.closeUnreadReset). SO_LINGER 0 (`lingerZero`) aborts on either profile.
 */
describe('close() with unread data', () => {
  function withUnread(profile: string): Pair {
    const p = new Pair({ profile, clientIsn: 1000, serverIsn: 5000, serverAutoRead: false });
    p.connect();
    p.advance(30);
    p.send('client', 10);
    p.advance(100);
    expect(p.tcb('server').readable.length).toBe(10);
    return p;
  }

  it('linux: RST+ACK instead of FIN, the connection closed as aborted', () => {
    const p = withUnread('linux');
    const mark = p.mark();
    p.endpoint('server').send({ type: 'CLOSE', now: p.clock.now(), orphan: true });
    expect(p.ladderSince(mark)).toEqual(['130 server [ACK,RST] seq=5001 ack=1011 len=0']);
    expect(p.state('server')).toBe('CLOSED');
    expect(p.tcb('server').closeReason).toBe('aborted');
  });

  it('rfc9293 (closeUnreadReset off): the FIN of §3.10.4', () => {
    const p = withUnread('rfc9293');
    const mark = p.mark();
    p.endpoint('server').send({ type: 'CLOSE', now: p.clock.now(), orphan: true });
    expect(p.ladderSince(mark)).toEqual(['130 server [ACK,FIN] seq=5001 ack=1011 len=0']);
    expect(p.state('server')).toBe('FIN_WAIT_1');
  });

  it('a half-close (shutdown(SHUT_WR)) with unread data still sends FIN', () => {
    const p = withUnread('linux');
    const mark = p.mark();
    p.close('server');
    expect(p.ladderSince(mark)).toEqual(['130 server [ACK,FIN] seq=5001 ack=1011 len=0']);
  });

  it('unread bytes held above an autoRead connection count too', () => {
    const p = established('linux');
    const mark = p.mark();
    p.endpoint('client').send({ type: 'CLOSE', now: p.clock.now(), orphan: true, unread: 5 });
    expect(p.ladderSince(mark)).toEqual(['30 client [ACK,RST] seq=1001 ack=5001 len=0']);
  });

  it('SO_LINGER 0 aborts on rfc9293 too (the RFC ABORT: a bare RST)', () => {
    const p = established('rfc9293');
    const mark = p.mark();
    p.endpoint('client').send({ type: 'CLOSE', now: p.clock.now(), orphan: true, lingerZero: true });
    expect(p.ladderSince(mark)).toEqual(['30 client [RST] seq=1001 ack=0 len=0']);
    expect(p.tcb('client').closeReason).toBe('aborted');
  });
});
