/**
 * `synack replay` on captures made with the real kernel (test/fixtures/replay/make-captures.sh:
 * a network namespace, tshark on lo, nftables dropping the client's final ACK in prerouting)
 * and on hand-built segments for the rules the kernel captures do not break.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TraceEvent } from '@synack/network';
import { describe, expect, it } from 'vitest';
import { narratedStream } from '../src/inspect.js';
import { type CapturedSegment, readCapture } from '../src/replay/capture.js';
import { profileLimits, replayCapture } from '../src/replay/command.js';
import { type ObservedConnection, observeConnection } from '../src/replay/observer.js';
import { replayEvents } from '../src/replay/render.js';
import { parseRecordedTrace } from '../src/trace-file.js';
import { CLI_DIR, describeResult, synack } from './helpers.js';

const FIXTURES = join(CLI_DIR, 'test/fixtures/replay');
const fixture = (name: string) => join(FIXTURES, name);
const CLIENT = '127.0.0.1:40000';
const SERVER = '127.0.0.1:8080';

/** An endpoint's state sequence, starting state first. */
function visits(conn: ObservedConnection, endpoint: string): string[] {
  const changes = conn.states.filter((s) => s.endpoint === endpoint);
  return changes.length ? [changes[0].from, ...changes.map((s) => s.to)] : [];
}

describe('reading captures', () => {
  it('pcapng and classic pcap of the same capture give the same segments', () => {
    const ng = readCapture(readFileSync(fixture('lost-final-ack.pcapng')), 'ng');
    const classic = readCapture(readFileSync(fixture('lost-final-ack.pcap')), 'pcap');
    expect(ng).toHaveLength(11);
    // The same packets; pcapng stamps in ns, classic pcap in µs.
    const untimed = (list: CapturedSegment[]) => list.map(({ t: _t, ...rest }) => rest);
    expect(untimed(classic)).toEqual(untimed(ng));
    for (const [i, s] of classic.entries()) expect(Math.abs(s.t - ng[i].t)).toBeLessThan(0.002);
    expect(ng[0]).toMatchObject({
      src: '127.0.0.1',
      srcPort: 40000,
      dstPort: 8080,
      flags: ['SYN'],
      mss: 65495,
      wscale: 10,
    });
    expect(ng[3]).toMatchObject({ flags: ['ACK', 'PSH'], len: 5 });
  });

  it('a file that is neither is a usage error naming it', () => {
    expect(() => readCapture(Buffer.alloc(64, 7), 'x.pcap')).toThrow(/^x\.pcap: not a pcap or pcapng file/);
    expect(() => readCapture(Buffer.alloc(3), 'y')).toThrow(/too short/);
  });
});

describe('a kernel capture with a lost final ACK', () => {
  const [conn] = replayCapture(fixture('lost-final-ack.pcapng'), undefined, 'linux');

  it('shows LAST_ACK on the server and TIME_WAIT on the client', () => {
    expect(conn.client).toBe(CLIENT);
    expect(visits(conn, SERVER)).toEqual([
      'LISTEN',
      'SYN_RECEIVED',
      'ESTABLISHED',
      'CLOSE_WAIT',
      'LAST_ACK',
      'CLOSED',
    ]);
    expect(visits(conn, CLIENT)).toEqual([
      'CLOSED',
      'SYN_SENT',
      'ESTABLISHED',
      'FIN_WAIT_1',
      'FIN_WAIT_2',
      'TIME_WAIT',
    ]);
  });

  it('the retransmitted FIN comes from the server in LAST_ACK, answered from TIME_WAIT, no divergence', () => {
    const fins = conn.segments.filter((s) => s.from === SERVER && s.flags.includes('FIN'));
    expect(fins.map((s) => [s.retransmit ?? false, s.senderState])).toEqual([
      [false, 'LAST_ACK'],
      [true, 'LAST_ACK'],
    ]);
    expect(fins[1].t - fins[0].t).toBeGreaterThanOrEqual(200);
    const lost = conn.segments.filter((s) => s.lostAfterCapture);
    expect(lost.map((s) => [s.from, s.flags.join(',')])).toEqual([[CLIENT, 'ACK']]);
    const reAck = conn.segments.at(-1)!;
    expect([reAck.from, reAck.senderState, reAck.receiverState]).toEqual([CLIENT, 'TIME_WAIT', 'CLOSED']);
    expect(conn.segments.filter((s) => s.divergence)).toEqual([]);
  });

  it('under rfc9293 (RTO at least 1 s) the same 205 ms FIN retransmission is marked early', () => {
    const [strict] = replayCapture(fixture('lost-final-ack.pcap'), undefined, 'rfc9293');
    const marked = strict.segments.filter((s) => s.divergence);
    expect(marked.map((s) => [s.from, s.flags.join(','), s.divergence?.rule])).toEqual([
      [SERVER, 'ACK,FIN', 'rto-early'],
    ]);
  });
});

/** A hand-built segment between 10.0.0.1:40000 ('a') and 10.0.0.2:80 ('b'). */
const segAt = (t: number, from: 'a' | 'b', flags: string[], seq: number, ack: number, len = 0, win = 1000) =>
  ({
    t,
    src: from === 'a' ? '10.0.0.1' : '10.0.0.2',
    dst: from === 'a' ? '10.0.0.2' : '10.0.0.1',
    srcPort: from === 'a' ? 40000 : 80,
    dstPort: from === 'a' ? 80 : 40000,
    seq,
    ack,
    flags,
    len,
    win,
  }) as CapturedSegment;
const handshakeAt = [
  segAt(0, 'a', ['SYN'], 100, 0),
  segAt(1, 'b', ['SYN', 'ACK'], 500, 101),
  segAt(2, 'a', ['ACK'], 101, 501),
];

describe('kernel captures with a lost SYN and lost data (make-captures.sh lost-syn lost-data)', () => {
  const client = (port: number) => `127.0.0.1:${port}`;
  const OPEN_AND_CLOSE = ['LISTEN', 'SYN_RECEIVED', 'ESTABLISHED', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED'];

  it("two dropped SYNs: linux's 1 s, 1 s copies are not marked; the listener moves on the copy it got", () => {
    const [conn] = replayCapture(fixture('lost-syn.pcapng'), undefined, 'linux');
    const syns = conn.segments.filter((s) => s.flags.join(',') === 'SYN');
    expect(syns.map((s) => [s.retransmit ?? false, s.lostAfterCapture ?? false])).toEqual([
      [false, true],
      [true, true],
      [true, false],
    ]);
    // The kernel's timers ran a little late (jiffies): about 1,022 ms and 1,024 ms.
    expect(syns[1].t - syns[0].t).toBeGreaterThan(1000);
    expect(syns[2].t - syns[1].t).toBeLessThan(1100);
    const moved = conn.states.find((c) => c.endpoint === SERVER && c.to === 'SYN_RECEIVED');
    expect(moved?.segment).toBe(syns[2].index);
    expect(visits(conn, SERVER)).toEqual(OPEN_AND_CLOSE);
    expect(conn.segments.filter((s) => s.divergence)).toEqual([]);
    expect(conn.client).toBe(client(40001));
  });

  it('the same capture under rfc9293 (SYN timer 1 s, then 2 s) marks the second copy early', () => {
    const [conn] = replayCapture(fixture('lost-syn.pcapng'), undefined, 'rfc9293');
    expect(conn.segments.filter((s) => s.divergence).map((s) => s.divergence?.rule)).toEqual(['rto-early']);
  });

  it('a dropped data segment: its retransmission is not marked, both sides close cleanly', () => {
    const [conn] = replayCapture(fixture('lost-data.pcapng'), undefined, 'linux');
    const data = conn.segments.filter((s) => s.len > 0);
    expect(data.map((s) => [s.from, s.retransmit ?? false])).toEqual([
      [client(40002), false],
      [client(40002), true],
    ]);
    expect(data[1].t - data[0].t).toBeGreaterThan(150);
    expect(conn.segments.filter((s) => s.divergence)).toEqual([]);
    expect(visits(conn, SERVER)).toEqual(OPEN_AND_CLOSE);
    expect(visits(conn, client(40002))).toEqual([
      'CLOSED',
      'SYN_SENT',
      'ESTABLISHED',
      'FIN_WAIT_1',
      'FIN_WAIT_2',
      'TIME_WAIT',
    ]);
  });
});

describe('a capture edited to break a rule', () => {
  it('marks the FIN retransmitted 20 ms after the first, and only it', () => {
    const [conn] = replayCapture(fixture('early-fin-rto.pcap'), undefined, 'linux');
    const marked = conn.segments.filter((s) => s.divergence);
    expect(marked).toHaveLength(1);
    expect(marked[0]).toMatchObject({
      from: SERVER,
      flags: ['ACK', 'FIN'],
      retransmit: true,
      senderState: 'LAST_ACK',
    });
    expect(marked[0].divergence).toEqual({
      rule: 'rto-early',
      detail: 'retransmitted 20.0 ms after the last copy; the RTO is at least 200 ms',
    });
  });
});

describe('rules on hand-built segments', () => {
  const seg = (t: number, from: 'a' | 'b', flags: string[], seq: number, ack: number, len = 0, win = 1000) =>
    ({
      t,
      src: from === 'a' ? '10.0.0.1' : '10.0.0.2',
      dst: from === 'a' ? '10.0.0.2' : '10.0.0.1',
      srcPort: from === 'a' ? 40000 : 80,
      dstPort: from === 'a' ? 80 : 40000,
      seq,
      ack,
      flags,
      len,
      win,
    }) as CapturedSegment;
  const handshake = [
    seg(0, 'a', ['SYN'], 100, 0),
    seg(1, 'b', ['SYN', 'ACK'], 500, 101),
    seg(2, 'a', ['ACK'], 101, 501),
  ];
  const rulesOf = (extra: CapturedSegment[]) =>
    observeConnection('k', [...handshake, ...extra], profileLimits('linux'))
      .segments.filter((s) => s.divergence)
      .map((s) => s.divergence?.rule);

  it('a clean exchange has no marks', () => {
    expect(rulesOf([seg(3, 'a', ['ACK'], 101, 501, 10), seg(4, 'b', ['ACK'], 501, 111)])).toEqual([]);
  });
  it('data past the advertised window', () => {
    expect(rulesOf([seg(3, 'a', ['ACK'], 101, 501, 2000)])).toEqual(['window']);
  });
  it('an ACK of data never sent', () => {
    expect(rulesOf([seg(3, 'b', ['ACK'], 501, 900)])).toEqual(['unexpected-ack']);
  });
  it('a sequence number that skips ahead', () => {
    expect(rulesOf([seg(3, 'a', ['ACK'], 150, 501, 10)])).toEqual(['unexpected-seq']);
  });
  it('no ACK flag once synchronized', () => {
    expect(rulesOf([seg(3, 'a', [], 101, 0, 10)])).toEqual(['missing-ack']);
  });
  it('new data after its FIN, and a SYN in ESTABLISHED', () => {
    expect(rulesOf([seg(3, 'a', ['FIN', 'ACK'], 101, 501), seg(4, 'a', ['ACK'], 102, 501, 5)])).toEqual([
      'unexpected-flags',
    ]);
    expect(rulesOf([seg(3, 'b', ['SYN'], 900, 0)])).toEqual(['unexpected-flags']);
  });
});

describe('retransmission timers (hand-built captures)', () => {
  const syn = (t: number) => segAt(t, 'a', ['SYN'], 100, 0);
  const marks = (segments: CapturedSegment[], profile = 'linux') =>
    observeConnection('k', segments, profileLimits(profile))
      .segments.filter((s) => s.divergence)
      .map((s) => [s.t, s.divergence?.rule]);

  it("SYN copies on linux's schedule (1, 1, 1, 1, 1, 2, 4 s: tcp_syn_linear_timeouts 4) are not marked", () => {
    expect(marks([0, 1000, 2000, 3000, 4000, 5000, 7000, 11_000].map(syn))).toEqual([]);
  });
  it('the same copies under rfc9293 (1, 2, 4 … s) are early from the second one on', () => {
    const rules = marks([0, 1000, 2000, 3000].map(syn), 'rfc9293');
    expect(rules).toEqual([
      [2000, 'rto-early'],
      [3000, 'rto-early'],
    ]);
    expect(marks([0, 1000, 3000, 7000].map(syn), 'rfc9293')).toEqual([]);
  });
  it('a SYN copy later than the timer is marked rto-late, one earlier rto-early', () => {
    const [late] = observeConnection('k', [syn(0), syn(2500)], profileLimits('linux')).segments.slice(1);
    expect(late.divergence).toEqual({
      rule: 'rto-late',
      detail: 'retransmission 1 came 2500.0 ms after the last copy; the SYN timer is 1000 ms then',
    });
    expect(marks([syn(0), syn(400)])).toEqual([[400, 'rto-early']]);
  });
  it('SYN-ACK copies back off 1, 2 s; one answering a SYN copy at once is not a timer', () => {
    const synack = (t: number) => segAt(t, 'b', ['SYN', 'ACK'], 500, 101);
    expect(marks([syn(0), synack(1), synack(1001), synack(3001)])).toEqual([]);
    expect(marks([syn(0), synack(1), synack(1001), synack(2001)])).toEqual([[2001, 'rto-early']]);
    expect(marks([syn(0), synack(1), synack(1001), synack(6001)])).toEqual([[6001, 'rto-late']]);
    // The client's SYN came again (its SYN-ACK was lost): the server answers at once.
    expect(marks([syn(0), synack(1), syn(1000), synack(1001)])).toEqual([]);
  });
  it('data or a FIN retransmitted later than the maximum RTO (120 s) is marked rto-late', () => {
    const data = (t: number) => segAt(t, 'a', ['ACK'], 101, 501, 10);
    expect(marks([...handshakeAt, data(3), data(3 + 121_000 * 1.06)])).toEqual([[3 + 128_260, 'rto-late']]);
    expect(marks([...handshakeAt, data(3), data(3 + 60_000)])).toEqual([]);
    const fin = (t: number) => segAt(t, 'a', ['FIN', 'ACK'], 101, 501);
    expect(marks([...handshakeAt, fin(3), fin(3 + 130_000)])).toEqual([[130_003, 'rto-late']]);
    expect(marks([...handshakeAt, fin(3), fin(3 + 100)])).toEqual([[103, 'rto-early']]);
  });
});

describe('narration of a replay (what --inspect shows beside the ladder)', () => {
  it('names the segment lost after the capture point, in English and Chinese', () => {
    const events = replayEvents(replayCapture(fixture('lost-final-ack.pcapng'), undefined, 'linux'));
    const quiet = { out: () => {}, err: () => {}, isTTY: false };
    const text = (lang: 'en' | 'zh') =>
      narratedStream(events as unknown as TraceEvent[], quiet, { lang })
        .filter((e) => e.kind === 'explain')
        .map((e) => (e as { text: string }).text);
    expect(text('en')).toContain(
      `✕ lost after the capture point: the capture saw this ACK, but ${SERVER} acts as if it never arrived`,
    );
    expect(text('zh')).toContain(`✕ 在抓包点之后丢失：抓包看到了这个 ACK，但${SERVER}的行为表明它从未到达`);
  });
});

describe('synack replay', () => {
  it('text: exit 0 and "no divergence" for the kernel capture', async () => {
    const r = await synack(['replay', fixture('lost-final-ack.pcapng')]);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toContain(`${SERVER}: CLOSE_WAIT → LAST_ACK`);
    expect(r.stdout).toContain('(lost after the capture point)');
    expect(r.stdout).toMatch(/no divergence\n/);
  });

  it('jsonl passes the trace contract check; the edited capture exits 1 with the mark', async () => {
    const r = await synack(['replay', fixture('early-fin-rto.pcap'), '--format', 'jsonl']);
    expect(r.code, describeResult(r)).toBe(1);
    const trace = parseRecordedTrace(r.stdout, 'replay');
    const marked = trace.events.filter((e) => 'divergence' in e);
    expect(marked).toHaveLength(1);
    expect(marked[0]).toMatchObject({ kind: 'send', endpoint: SERVER, divergence: { rule: 'rto-early' } });
    expect(trace.events.at(-1)).toMatchObject({ kind: 'summary', ok: false, divergences: 1 });
  });

  it('--filter keeps the connections with that endpoint; --inspect serves the replay', async () => {
    const kept = await synack(['replay', fixture('lost-final-ack.pcap'), '--filter', '127.0.0.1:8080']);
    expect(kept.code, describeResult(kept)).toBe(0);
    expect(kept.stdout).toContain(`connection ${CLIENT} → ${SERVER}`);
    const inspected = await synack([
      'replay',
      fixture('early-fin-rto.pcap'),
      '--inspect',
      '--exit-when-done',
    ]);
    expect(inspected.code, describeResult(inspected)).toBe(1);
    const zh = await synack([
      'replay',
      fixture('early-fin-rto.pcap'),
      '--inspect',
      '--lang',
      'zh',
      '--exit-when-done',
    ]);
    expect(zh.code, describeResult(zh)).toBe(1);
    const badLang = await synack(['replay', fixture('early-fin-rto.pcap'), '--lang', 'de']);
    expect(badLang.code).toBe(2);
    expect(inspected.stdout).toMatch(/^inspector: http:\/\/127\.0\.0\.1:\d+\/$/m);
  });

  it('bad input is exit 2 with one line', async () => {
    const missing = await synack(['replay', fixture('nope.pcap')]);
    expect([missing.code, missing.stderr]).toEqual([
      2,
      `synack: ${fixture('nope.pcap')}: cannot read (ENOENT)\n`,
    ]);
    const notPcap = await synack(['replay', fixture('make-captures.sh')]);
    expect(notPcap.code).toBe(2);
    expect(notPcap.stderr).toMatch(/not a pcap or pcapng file/);
    const noMatch = await synack(['replay', fixture('lost-final-ack.pcap'), '--filter', ':9999']);
    expect([noMatch.code, noMatch.stderr]).toEqual([
      2,
      `synack: ${fixture('lost-final-ack.pcap')}: no TCP segments match --filter\n`,
    ]);
    const badFilter = await synack(['replay', fixture('lost-final-ack.pcap'), '--filter', 'host:99999']);
    expect(badFilter.code).toBe(2);
  });
});
