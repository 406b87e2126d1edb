/**
 * --explain narrates the data path: fast retransmit and tail loss probes by their cause, and the
 * sender's congestion states (Disorder once, Recovery, Loss, back to Open), in English and Chinese.
 * The trace is made by hand, so this holds whatever the congestion-control code emits.
 */
import type { TraceEvent } from '@synack/network';
import { describe, expect, it } from 'vitest';
import { narrate } from '../src/explain/narrate.js';

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
    state: 'ESTABLISHED',
    delay: 10,
    ...extra,
  } as TraceEvent;
}

function cc(t: number, state: string, cwnd: number, ssthresh = 2147483647): TraceEvent {
  return {
    t,
    kind: 'cc',
    endpoint: 'client',
    conn: CONN,
    state,
    cwnd,
    ssthresh,
    inFlight: 4,
    sacked: 1,
    mss: 1000,
  } as TraceEvent;
}

const TRACE: TraceEvent[] = [
  send(0, 1, 1000),
  cc(5, 'Open', 11),
  cc(10, 'Disorder', 11),
  cc(11, 'Open', 11),
  cc(12, 'Disorder', 11),
  cc(20, 'Recovery', 7, 7),
  send(20, 2, 2000, { retransmit: true, retransmitKind: 'data', cause: 'fast' }),
  cc(40, 'Open', 7, 7),
  send(50, 3, 3000, { retransmit: true, retransmitKind: 'data', cause: 'tlp' }),
  cc(60, 'Loss', 1, 3),
  send(60, 4, 4000, { retransmit: true, retransmitKind: 'data', cause: 'rto' }),
];

describe('narration of fast retransmit, recovery and tail loss probes', () => {
  it('en: one narration per congestion-state change that matters, and each resend by its cause', () => {
    const said = narrate(TRACE, 'en', { strict: true });
    expect(said.map((n) => n.key)).toEqual([
      'data.send',
      'cc.disorder',
      'cc.recovery',
      'data.retx.fast',
      'cc.open',
      'data.retx.tlp',
      'cc.loss',
      'data.retx',
    ]);
    const text = (key: string) => said.find((n) => n.key === key)!.text;
    expect(text('cc.recovery')).toContain('cwnd = 7 segments (ssthresh = 7)');
    expect(text('data.retx.fast')).toMatch(/fast retransmit/);
    expect(text('data.retx.tlp')).toMatch(/tail loss probe/);
    expect(text('cc.open')).toContain('leaves Recovery');
    expect(text('cc.loss')).toContain('cwnd = 1 segment, ssthresh = 3');
    // Each narration refers to the event it explains.
    expect(said.find((n) => n.key === 'data.retx.fast')!.ref).toBe(6);
  });

  it('zh: the same steps, in Chinese', () => {
    const said = narrate(TRACE, 'zh', { strict: true });
    expect(said.map((n) => n.key)).toContain('data.retx.fast');
    const fast = said.find((n) => n.key === 'data.retx.fast')!.text;
    expect(fast).toContain('快速重传');
    expect(said.find((n) => n.key === 'cc.recovery')!.text).toContain('快速恢复');
  });

  it('says ∞ for ssthresh before the first loss', () => {
    const said = narrate([cc(0, 'CWR', 8), cc(5, 'Open', 8)], 'en', { strict: true });
    expect(said.map((n) => n.key)).toEqual(['cc.cwr', 'cc.open']);
    expect(said[1].text).toContain('ssthresh = ∞');
  });
});
