/**
 * The ladder names what triggered each retransmission (RTO, fast retransmit, tail loss probe) and
 * draws a connection's congestion-state changes from `cc` trace lines. The trace is made by hand.
 */
import type { TraceEvent } from '@synack/network';
import { describe, expect, it } from 'vitest';
import { renderLadder } from '../src/ladder.js';

const CONN = '40000-10.0.0.2:80';

function send(t: number, id: number, seq: number, extra: Record<string, unknown> = {}): TraceEvent {
  return {
    t,
    kind: 'send',
    endpoint: 'client',
    from: 'client',
    to: 'server',
    id,
    seg: { srcPort: 40000, dstPort: 80, seq, ack: 1, flags: ['ACK'], len: 1000, win: 65535 },
    conn: CONN,
    delay: 10,
    ...extra,
  } as TraceEvent;
}

function cc(t: number, state: string, cwnd: number, ssthresh: number): TraceEvent {
  return {
    t,
    kind: 'cc',
    endpoint: 'client',
    conn: CONN,
    state,
    cwnd,
    ssthresh,
    inFlight: 3,
    sacked: 1,
    mss: 1000,
  } as TraceEvent;
}

const TRACE: TraceEvent[] = [
  cc(0, 'Open', 10, 2147483647),
  send(0, 1, 1000),
  cc(5, 'Open', 11, 2147483647),
  cc(10, 'Recovery', 5, 5),
  send(10, 2, 2000, { retransmit: true, retransmitKind: 'data', cause: 'fast' }),
  send(20, 3, 3000, { retransmit: true, retransmitKind: 'data', cause: 'tlp' }),
  cc(30, 'Loss', 1, 2),
  send(30, 4, 4000, { retransmit: true, retransmitKind: 'data', cause: 'rto' }),
  send(40, 5, 5000, { retransmit: true, retransmitKind: 'data' }),
];

describe('ladder: retransmission causes and congestion states', () => {
  const lines = renderLadder(TRACE, { color: false }).split('\n');
  const arrow = (id: number) => lines.filter((l) => l.includes('├'))[id - 1];

  it('labels each retransmission by its cause', () => {
    expect(arrow(1)).not.toContain('RETRANSMIT');
    expect(arrow(2)).toContain('RETRANSMIT (fast retransmit)');
    expect(arrow(3)).toContain('RETRANSMIT (TLP probe)');
    expect(arrow(4)).toContain('RETRANSMIT (RTO)');
    expect(arrow(5)).toMatch(/RETRANSMIT(?! \()/);
  });

  it('draws congestion-state changes only (not every cwnd step), with cwnd, ssthresh and in-flight', () => {
    const ccLines = lines.filter((l) => l.includes('cc '));
    expect(ccLines).toHaveLength(2);
    expect(ccLines[0]).toContain('cc Open → Recovery (cwnd 5, ssthresh 5, in flight 3)');
    expect(ccLines[1]).toContain('cc Recovery → Loss (cwnd 1, ssthresh 2, in flight 3)');
  });
});
