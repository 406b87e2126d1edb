/**
 * Issue 13 plumbing: retransmitted bytes by cause and redundant resent bytes (RetransmitLedger), the
 * `cause` byte across the thread boundary (codec), the `cc` trace line and the `cause` field of
 * `send` lines (TraceRecorder). Segments and records are made by hand, so these hold whatever the
 * congestion-control code emits; the last test measures a real lossy run.
 */
import { Flag, type Segment } from '@synack/core';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeSegments, encodeSegments } from '../src/codec.js';
import { liveWorkerCount, runSimulation } from '../src/index.js';
import { insertRange, overlap, RetransmitLedger } from '../src/retransmit-ledger.js';
import { TraceRecorder } from '../src/trace-recorder.js';
import type { Packet, TraceEvent } from '../src/types.js';
import { lossyBulk } from './helpers.js';

afterEach(() => {
  expect(liveWorkerCount()).toBe(0);
});

const ISN = 0xfffffff0; // the flow's sequence numbers wrap, so offsets must too

function seg(seq: number, length: number, flags: number = Flag.ACK): Segment {
  return {
    srcAddr: '10.0.0.1',
    srcPort: 40000,
    dstAddr: '10.0.0.2',
    dstPort: 80,
    seq: seq >>> 0,
    ack: 1,
    flags,
    win: 65535,
    ...(length > 0 ? { data: new Uint8Array(length) } : {}),
  };
}

describe('byte ranges the receiver holds', () => {
  it('insertRange keeps ranges sorted and merges what touches or overlaps', () => {
    const held: number[] = [];
    insertRange(held, 0, 100);
    insertRange(held, 200, 300);
    insertRange(held, 100, 150); // touches the first
    insertRange(held, 400, 500);
    expect(held).toEqual([0, 150, 200, 300, 400, 500]);
    insertRange(held, 120, 420); // bridges three ranges
    expect(held).toEqual([0, 500]);
  });

  it('overlap counts only the covered bytes', () => {
    const held = [0, 100, 200, 300];
    expect(overlap(held, 50, 250)).toBe(100);
    expect(overlap(held, 100, 200)).toBe(0);
    expect(overlap(held, 0, 300)).toBe(200);
  });
});

describe('RetransmitLedger', () => {
  it('counts resent bytes by cause and, of them, those already delivered', () => {
    const ledger = new RetransmitLedger();
    ledger.sent(seg(ISN, 0, Flag.SYN), false, undefined);
    const first = ISN + 1;
    for (let i = 0; i < 4; i++) ledger.sent(seg(first + i * 1000, 1000), false, undefined);
    // Segment 1 is lost; 0, 2 and 3 arrive (3 crosses the 2^32 wrap of the sequence space).
    for (const i of [0, 2, 3]) ledger.delivered(seg(first + i * 1000, 1000));
    ledger.sent(seg(first + 1000, 1000), true, 'fast'); // the lost one: needed
    ledger.sent(seg(first + 2000, 1000), true, 'rto'); // go-back-N: redundant
    ledger.sent(seg(first + 3500, 1000), true, 'tlp'); // half held
    ledger.sent(seg(first + 1000, 500), true, undefined); // a timer resend with no cause: RTO
    expect(ledger.bytes).toEqual({ rto: 1500, fast: 1000, tlp: 1000 });
    expect(ledger.redundant).toBe(1000 + 500);
  });

  it('a new SYN on the 4-tuple starts the flow afresh', () => {
    const ledger = new RetransmitLedger();
    ledger.sent(seg(100, 0, Flag.SYN), false, undefined);
    ledger.delivered(seg(101, 1000));
    ledger.sent(seg(5000, 0, Flag.SYN), false, undefined);
    ledger.sent(seg(5001, 1000), true, 'rto');
    expect(ledger.redundant).toBe(0);
  });
});

describe('the cause crosses the thread boundary', () => {
  it('encodeSegments / decodeSegments keep each cause and its absence', () => {
    const decoded = decodeSegments(
      encodeSegments([
        { seg: seg(1, 10), retransmit: 'data', cause: 'fast', t: 5 },
        { seg: seg(11, 10), retransmit: 'data', cause: 'tlp', t: 6 },
        { seg: seg(21, 10), retransmit: 'data', cause: 'rto', t: 7 },
        { seg: seg(31, 10), t: 8 },
      ]),
    );
    expect(decoded.map((e) => e.cause)).toEqual(['fast', 'tlp', 'rto', undefined]);
  });
});

function packet(segment: Segment, id: number): Packet {
  return { id, from: 'client', to: 'server', segment, sentAt: 0, deliverAt: 10 };
}

describe('TraceRecorder: cc lines and send causes', () => {
  it('a cc record becomes a kind:"cc" line with every snapshot field', () => {
    const recorder = new TraceRecorder(true);
    const cc = { state: 'Recovery' as const, cwnd: 5, ssthresh: 5, inFlight: 4, sacked: 1, mss: 1448 };
    recorder.happened(12, 'client', { k: 'cc', conn: 'c1', cc });
    expect(recorder.trace).toEqual([{ t: 12, kind: 'cc', endpoint: 'client', conn: 'c1', ...cc }]);
  });

  it('a retransmitted send carries its cause; the stats count it either way, quiet or traced', () => {
    const lines: TraceEvent[] = [];
    for (const recorder of [new TraceRecorder(false, (e) => lines.push(e)), new TraceRecorder(false)]) {
      const p = packet(seg(1, 100), 1);
      recorder.sent(0, 'client', {
        packet: p,
        retransmit: 'data',
        cause: 'fast',
        routed: true,
        faults: [],
        scheduled: new Map(),
      });
      expect(recorder.stats.retransmittedBytes).toEqual({ rto: 0, fast: 100, tlp: 0 });
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ kind: 'send', retransmit: true, retransmitKind: 'data', cause: 'fast' });
  });
});

describe('a lossy transfer, quiet across worker threads and traced inline', () => {
  it('reports the same resent and redundant bytes, and some resent data was redundant', async () => {
    const quiet = await runSimulation(lossyBulk(3), { collectTrace: false });
    const traced = await runSimulation(lossyBulk(3), { threads: 'inline' });
    const bytes = (r: typeof quiet) => ({
      resent: r.stats.retransmittedBytes,
      redundant: r.stats.redundantBytes,
    });
    expect(bytes(quiet)).toEqual(bytes(traced));
    const resent = Object.values(quiet.stats.retransmittedBytes).reduce((a, b) => a + b, 0);
    expect(resent).toBeGreaterThan(0);
    expect(quiet.stats.redundantBytes).toBeGreaterThan(0);
    expect(quiet.stats.redundantBytes).toBeLessThanOrEqual(resent);
    // The send lines agree with the counters: every retransmitted payload byte is counted once.
    const fromTrace = traced.trace
      .filter((e) => e.kind === 'send' && (e.retransmit || e.cause))
      .reduce((sum, e) => sum + (e.kind === 'send' ? e.seg.len : 0), 0);
    expect(fromTrace).toBe(resent);
  });
});
