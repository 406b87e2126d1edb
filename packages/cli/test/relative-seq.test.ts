/**
 * Relative sequence numbers on the ladder (issue 21 item 2): counted from the ISN of the
 * connection that sent the segment, modulo 2^32, never negative; absolute and marked where no
 * connection owns the number. Hand-built traces mirror the cases the issue names (half-open,
 * old-duplicate-syn, syn-flood) so that these tests do not depend on the simulator.
 */
import type { TraceEvent } from '@synack/network';
import { describe, expect, it } from 'vitest';
import { narrate } from '../src/explain/index.js';
import { ABSOLUTE_MARK, RelativeSeq, renderLadder } from '../src/ladder.js';

/** A send event as these tests build it (TraceEvent's union does not narrow on a plain literal here). */
type Send = TraceEvent & { kind: 'send'; t: number; id: number; to: string };
let nextId = 1;

function send(
  from: string,
  to: string,
  flags: string[],
  seq: number,
  ack: number,
  opts: { conn?: string; len?: number; srcPort?: number; dstPort?: number } = {},
): Send {
  const clientSide = from === 'client' || from === 'attacker';
  return {
    t: nextId * 10,
    kind: 'send',
    endpoint: from,
    from,
    to,
    id: nextId++,
    seg: {
      srcPort: opts.srcPort ?? (clientSide ? 40000 : 80),
      dstPort: opts.dstPort ?? (clientSide ? 80 : 40000),
      seq,
      ack,
      flags,
      len: opts.len ?? 0,
      win: 64,
    },
    ...(opts.conn ? { conn: opts.conn } : {}),
  } as Send;
}

/** The arrow labels `seq=… ack=…` of a trace, in order. */
function labels(events: Send[]): string[] {
  const rel = new RelativeSeq();
  return events.map((e) => {
    rel.observe(e);
    return rel.label(e);
  });
}

const C = '40000-10.0.0.2:80';
const S = '80-10.0.0.1:40000';

describe('relative sequence numbers', () => {
  it('counts a normal handshake and data from each side’s own ISN', () => {
    expect(
      labels([
        send('client', 'server', ['SYN'], 1000, 0, { conn: C }),
        send('server', 'client', ['SYN', 'ACK'], 5000, 1001, { conn: S }),
        send('client', 'server', ['ACK'], 1001, 5001, { conn: C }),
        send('client', 'server', ['ACK', 'PSH'], 1001, 5001, { conn: C, len: 100 }),
        send('server', 'client', ['ACK'], 5001, 1101, { conn: S }),
      ]),
    ).toEqual(['seq=0', 'seq=0 ack=1', 'seq=1 ack=1', 'seq=1 ack=1', 'seq=1 ack=101']);
  });

  it('wraps modulo 2^32: data past the top of the sequence space is still a small positive offset', () => {
    const isn = 0xffff_fff0;
    expect(
      labels([
        send('client', 'server', ['SYN'], isn, 0, { conn: C }),
        send('server', 'client', ['SYN', 'ACK'], 7, (isn + 1) >>> 0, { conn: S }),
        send('client', 'server', ['ACK', 'PSH'], (isn + 1) >>> 0, 8, { conn: C, len: 100 }),
        send('server', 'client', ['ACK'], 8, (isn + 101) >>> 0, { conn: S }),
      ]),
    ).toEqual(['seq=0', 'seq=0 ack=1', 'seq=1 ack=1', 'seq=1 ack=101']);
  });

  it('half-open: the old connection’s ACK stays relative to the old ISNs, the new incarnation’s RST is absolute', () => {
    const out = labels([
      send('client', 'server', ['SYN'], 3929566776, 0, { conn: C }),
      send('server', 'client', ['SYN', 'ACK'], 3432038457, 3929566777, { conn: S }),
      send('client', 'server', ['ACK', 'PSH'], 3929566777, 3432038458, { conn: C, len: 100 }),
      // The client crashed; its new incarnation's SYN is 249,999 further on (RFC 6528 clock).
      send('client', 'server', ['SYN'], 3929816776, 0, { conn: `${C}#2` }),
      // The server, still ESTABLISHED in the old connection, answers with its old numbers.
      send('server', 'client', ['ACK'], 3432038458, 3929566877, { conn: S }),
      // RFC 9293 §3.10.7.3: the RST takes its seq from that ACK's ack, a number of the old space.
      send('client', 'server', ['RST'], 3929566877, 0, { conn: `${C}#2` }),
    ]);
    expect(out[4]).toBe('seq=1 ack=101');
    expect(out[5]).toBe(`seq=${ABSOLUTE_MARK}3929566877`);
    expect(out.join(' ')).not.toMatch(/=-/);
  });

  it('old-duplicate-syn: the stale SYN is owned by nobody, the server counts from it, the client’s RST is absolute', () => {
    const out = labels([
      send('client', 'server', ['SYN'], 90, 0),
      send('client', 'server', ['SYN'], 3929568026, 0, { conn: C }),
      send('server', 'client', ['SYN', 'ACK'], 3432038457, 91, { conn: S }),
      send('client', 'server', ['RST'], 91, 0, { conn: C }),
      send('server', 'client', ['SYN', 'ACK'], 3432045457, 3929568027, { conn: `${S}#2` }),
      send('client', 'server', ['ACK'], 3929568027, 3432045458, { conn: C }),
    ]);
    expect(out).toEqual([
      `seq=${ABSOLUTE_MARK}90`,
      'seq=0',
      'seq=0 ack=1',
      `seq=${ABSOLUTE_MARK}91`,
      'seq=0 ack=1',
      'seq=1 ack=1',
    ]);
  });

  it('syn-flood: spoofed SYNs are absolute and marked, a stateless cookie SYN-ACK too, a queued SYN-ACK relative', () => {
    const flood = { srcPort: 1025, dstPort: 80 };
    const back = { srcPort: 80, dstPort: 1025 };
    const out = labels([
      send('attacker', 'server', ['SYN'], 3356300964, 0, flood),
      send('server', '10.99.0.1', ['SYN', 'ACK'], 3000687991, 3356300965, {
        ...back,
        conn: '80-10.99.0.1:1025',
      }),
      send('server', '10.99.0.1', ['SYN', 'ACK'], 123456, 3356300965, back),
    ]);
    expect(out).toEqual([
      `seq=${ABSOLUTE_MARK}3356300964`,
      'seq=0 ack=1',
      `seq=${ABSOLUTE_MARK}123456 ack=${ABSOLUTE_MARK}3356300965`,
    ]);
  });

  it('a connection a SYN cookie created counts from the cookie SYN-ACK’s ISN', () => {
    const out = labels([
      send('client', 'server', ['SYN'], 1000, 0, { conn: C }),
      send('server', 'client', ['SYN', 'ACK'], 777, 1001),
      send('client', 'server', ['ACK'], 1001, 778, { conn: C }),
      send('server', 'client', ['ACK'], 778, 1001, { conn: S }),
    ]);
    expect(out).toEqual([
      'seq=0',
      `seq=${ABSOLUTE_MARK}777 ack=${ABSOLUTE_MARK}1001`,
      'seq=1 ack=1',
      'seq=1 ack=1',
    ]);
  });

  it('a duplicate is labelled like its original, and the ladder row carries the label', () => {
    const syn = send('client', 'server', ['SYN'], 1000, 0, { conn: C });
    const synAck = send('server', 'client', ['SYN', 'ACK'], 5000, 1001, { conn: S });
    const dup = {
      ...synAck,
      kind: 'duplicate',
      id: nextId++,
      duplicateOf: synAck.id,
    } as unknown as TraceEvent;
    const ladder = renderLadder([syn, synAck, dup]);
    expect(ladder.match(/SYN,ACK seq=0 ack=1/g)).toHaveLength(2);
  });
});

describe('narration names numbers after an ISN only forwards', () => {
  it('half-open: the RST’s seq, behind the new ISN, is said as a plain number, never x-249899', () => {
    const sends = [
      send('client', 'server', ['SYN'], 3929566776, 0, { conn: C }),
      send('server', 'client', ['SYN', 'ACK'], 3432038457, 3929566777, { conn: S }),
      send('client', 'server', ['ACK'], 3929566777, 3432038458, { conn: C }),
      send('client', 'server', ['SYN'], 3929816776, 0, { conn: `${C}#2` }),
      send('server', 'client', ['ACK'], 3432038458, 3929566777, { conn: S }),
      send('client', 'server', ['RST'], 3929566777, 0, { conn: `${C}#2` }),
    ];
    const trace: TraceEvent[] = sends.flatMap((e) => [
      e,
      { ...e, t: e.t + 5, kind: 'deliver', endpoint: e.to, conn: undefined } as unknown as TraceEvent,
    ]);
    const texts = narrate(trace, 'en').map((n) => n.text);
    const rst = texts.filter((t) => t.includes('3929566777') && /RST|reset/i.test(t));
    expect(rst.length).toBeGreaterThan(0);
    expect(texts.join('\n')).not.toMatch(/\b[xy]-\d/);
  });
});
