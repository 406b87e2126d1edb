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
