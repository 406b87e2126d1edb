import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLAG_NAMES } from '@synack/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  liveWorkerCount,
  parseJsonLines,
  type RunResult,
  runSimulation,
  type TraceEvent,
  toJsonLines,
} from '../src/index.js';
import { JsonLinesWriter } from '../src/trace.js';
import {
  appEvents,
  connectionsOf,
  DELAY,
  LOSSY,
  lifecycle,
  type ProfileName,
  type SegmentEvent,
  segmentEvents,
  sendsWithFlags,
  stateEvents,
  TIME_WAIT,
  timeOfState,
} from './helpers.js';

afterEach(() => {
  expect(liveWorkerCount()).toBe(0);
});

const PROFILES: ProfileName[] = ['linux', 'rfc9293'];

const CLIENT_STATES = [
  'CLOSED->SYN_SENT',
  'SYN_SENT->ESTABLISHED',
  'ESTABLISHED->FIN_WAIT_1',
  'FIN_WAIT_1->FIN_WAIT_2',
  'FIN_WAIT_2->TIME_WAIT',
  'TIME_WAIT->CLOSED',
];
const SERVER_STATES = [
  'CLOSED->LISTEN',
  'LISTEN->SYN_RECEIVED',
  'SYN_RECEIVED->ESTABLISHED',
  'ESTABLISHED->CLOSE_WAIT',
  'CLOSE_WAIT->LAST_ACK',
  'LAST_ACK->CLOSED',
];

const transitions = (trace: readonly TraceEvent[], endpoint: string) =>
  stateEvents(trace, endpoint).map((e) => `${e.from}->${e.to}`);

/**
 * Both sides CLOSED, each received exactly `bytes` in order (integrity checked byte by byte).
 * With `lossy`, the client's TIME_WAIT may also end early through an in-window RST: a duplicated
 * FIN makes the client ACK twice, the second ACK reaches the server after LAST_ACK closed, and the
 * server's RST (seq = that ACK's ack = the client's RCV.NXT) kills TIME_WAIT (RFC 9293 §3.10.7.4;
 * Linux does the same with tcp_rfc1337 = 0). That is the TIME_WAIT assassination of RFC 1337.
 */
function expectCleanTransfer(result: RunResult, bytes = 1024, what = '', lossy = false): void {
  expect(result.error, what).toBeUndefined();
  expect(result.ok, what).toBe(true);
  expect(result.summary.final, what).toEqual({ client: ['CLOSED'], server: ['CLOSED'] });
  const conns = connectionsOf(result.summary);
  for (const endpoint of ['client', 'server']) {
    expect(conns[endpoint], `${what} ${endpoint}`).toHaveLength(1);
    const conn = conns[endpoint][0];
    if (lossy && endpoint === 'client' && conn.reason === 'reset') {
      expect(stateEvents(result.trace, 'client').at(-1), `${what} TIME_WAIT assassinated`).toMatchObject({
        from: 'TIME_WAIT',
        to: 'CLOSED',
      });
    } else {
      expect(conn.reason, `${what} ${endpoint}`).toBe('normal');
    }
    expect(conn, `${what} ${endpoint}`).toMatchObject({
      state: 'CLOSED',
      bytesSent: bytes,
      bytesReceived: bytes,
      integrityErrors: 0,
    });
    // The application saw the stream exactly once: the data events add up to the bytes sent.
    const delivered = appEvents(result.trace, endpoint, 'data').reduce((n, e) => n + (e.bytes as number), 0);
    expect(delivered, `${what} ${endpoint} data events`).toBe(bytes);
  }
}

describe('full lifecycle across two worker threads', () => {
  it.for(PROFILES)(
    '%s: handshake, 1 KiB each way, client-first four-way close, TIME_WAIT expiry, all CLOSED',
    async (profile) => {
      let maxWorkers = 0;
      const result = await runSimulation(lifecycle(profile), {
        beforeStep: () => {
          maxWorkers = Math.max(maxWorkers, liveWorkerCount());
        },
      });
      // One real worker thread per endpoint was alive while the run stepped.
      expect(maxWorkers).toBe(2);
      expectCleanTransfer(result);
      expect(transitions(result.trace, 'client')).toEqual(CLIENT_STATES);
      expect(transitions(result.trace, 'server')).toEqual(SERVER_STATES);

      // The client closes first: its FIN leaves before the server's.
      const [clientFin] = sendsWithFlags(result.trace, 'client', ['ACK', 'FIN']);
      const [serverFin] = sendsWithFlags(result.trace, 'server', ['ACK', 'FIN']);
      expect(clientFin.t).toBeLessThan(serverFin.t);
      // The last segment is the client's ACK of the server's FIN.
      const sends = segmentEvents(result.trace, 'send');
      const lastAck = sends.at(-1)!;
      expect(lastAck).toMatchObject({ from: 'client', seg: { flags: ['ACK'], ack: serverFin.seg.seq + 1 } });

      // TIME_WAIT lasts exactly the profile's 2·MSL of virtual time, and ends the run.
      const entered = timeOfState(result.trace, 'client', 'TIME_WAIT')!;
      const left = timeOfState(result.trace, 'client', 'CLOSED', 'TIME_WAIT')!;
      expect(left - entered).toBe(TIME_WAIT[profile]);
      expect(entered).toBe(lastAck.t);
      expect(result.summary.t).toBe(left);
      expect(result.stats.endTime).toBe(left);
      expect(result.stats.segmentsDropped).toBe(0);
      expect(Object.values(result.stats.retransmits).every((n) => n === 0)).toBe(true);
    },
  );

  it('puts x, x+1, y, y+1 in the handshake segments of the trace', async () => {
    const { trace } = await runSimulation(lifecycle('linux'));
    const [syn] = sendsWithFlags(trace, 'client', ['SYN']);
    const [synAck] = sendsWithFlags(trace, 'server', ['SYN', 'ACK']);
    const [ack] = sendsWithFlags(trace, 'client', ['ACK']);
    const x = syn.seg.seq;
    const y = synAck.seg.seq;
    expect(syn.seg).toMatchObject({ srcPort: 40000, dstPort: 80, ack: 0, len: 0, mss: 1460 });
    expect(synAck.seg).toMatchObject({ srcPort: 80, dstPort: 40000, ack: (x + 1) >>> 0, len: 0, mss: 1460 });
    expect(ack.seg).toMatchObject({ seq: (x + 1) >>> 0, ack: (y + 1) >>> 0, len: 0 });
    expect(ack.seg.mss).toBeUndefined();
    expect(syn.t < synAck.t && synAck.t < ack.t).toBe(true);
    // The first data byte of each side follows its SYN.
    const [clientData] = segmentEvents(trace, 'send', 'client').filter((e) => e.seg.len > 0);
    const [serverData] = segmentEvents(trace, 'send', 'server').filter((e) => e.seg.len > 0);
    expect(clientData.seg.seq).toBe((x + 1) >>> 0);
    expect(serverData.seg.seq).toBe((y + 1) >>> 0);
  });

  it('delivers every segment at sentAt + delay with the default 10 ms link', async () => {
    const { trace } = await runSimulation(lifecycle('linux'));
    const delivered = new Map(segmentEvents(trace, 'deliver').map((e) => [e.id, e]));
    const sends = segmentEvents(trace, 'send');
    expect(sends.length).toBeGreaterThan(0);
    expect(delivered.size).toBe(sends.length);
    for (const send of sends) {
      expect(send.delay).toBe(DELAY);
      const deliver = delivered.get(send.id)!;
      expect(deliver.t).toBe(send.t + DELAY);
      expect(deliver).toMatchObject({ from: send.from, to: send.to, endpoint: send.to, seg: send.seg });
    }
  });

  it('per-link "from->to" overrides replace the default model for that direction only', async () => {
    const config = lifecycle('linux', {
      network: { default: { delay: DELAY }, links: { 'client->server': { delay: 50 } } },
    });
    const { trace, ok } = await runSimulation(config);
    expect(ok).toBe(true);
    expect(new Set(segmentEvents(trace, 'send', 'client').map((e) => e.delay))).toEqual(new Set([50]));
    expect(new Set(segmentEvents(trace, 'send', 'server').map((e) => e.delay))).toEqual(new Set([DELAY]));
  });
});

describe('lifecycle under loss 0.1 + reorder 0.2 + duplicate 0.05 + jitter 5', () => {
  const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

  it.for(PROFILES)('%s: every byte arrives in order exactly once for seeds 1-8', async (profile) => {
    const totals = { dropped: 0, duplicated: 0, reordered: 0, retransmitted: 0 };
    for (const seed of SEEDS) {
      const result = await runSimulation(lifecycle(profile, { seed, network: { default: LOSSY } }));
      expectCleanTransfer(result, 1024, `seed ${seed}`, true);
      totals.dropped += result.stats.segmentsDropped;
      totals.duplicated += result.stats.segmentsDuplicated;
      totals.reordered += segmentEvents(result.trace, 'send').filter((e) => e.reordered).length;
      totals.retransmitted += Object.values(result.stats.retransmits).reduce((a, b) => a + b, 0);
    }
    // The seeds really exercise every fault (otherwise this test would prove nothing).
    expect(totals.dropped).toBeGreaterThan(0);
    expect(totals.duplicated).toBeGreaterThan(0);
    expect(totals.reordered).toBeGreaterThan(0);
    expect(totals.retransmitted).toBeGreaterThan(0);
  });

  it('schedules each segment at sentAt + delay (+ jitter, + reorder hold), or drops it with a reason', async () => {
    const result = await runSimulation(
      lifecycle('linux', { seed: 3, clientBytes: 20_000, network: { default: LOSSY } }),
    );
    expect(result.ok).toBe(true);
    const { trace } = result;
    const delivers = new Map<number, SegmentEvent>();
    for (const e of segmentEvents(trace, 'deliver')) {
      expect(delivers.has(e.id), `packet ${e.id} delivered twice`).toBe(false);
      delivers.set(e.id, e);
    }
    const drops = new Map(segmentEvents(trace, 'drop').map((e) => [e.id, e]));
    const hold = 2 * (LOSSY.delay! + LOSSY.jitter!);
    const scheduled: SegmentEvent[] = [...segmentEvents(trace, 'send'), ...segmentEvents(trace, 'duplicate')];
    for (const e of scheduled) {
      if (e.delay === undefined) {
        // Not scheduled: the fault pipeline dropped it.
        expect(drops.get(e.id)?.reason, `packet ${e.id}`).toBe('loss');
        expect(delivers.has(e.id)).toBe(false);
        continue;
      }
      const deliver = delivers.get(e.id);
      expect(deliver, `packet ${e.id}`).toBeDefined();
      expect(deliver!.t).toBe(e.t + e.delay);
      expect(deliver!.seg).toEqual(e.seg);
      if (e.kind === 'duplicate') {
        expect(deliver!.duplicateOf).toBe(e.duplicateOf);
      } else {
        const extra = e.reordered ? hold : 0;
        expect(e.delay).toBeGreaterThanOrEqual(LOSSY.delay! + extra);
        expect(e.delay).toBeLessThanOrEqual(LOSSY.delay! + LOSSY.jitter! + extra);
        expect(deliver!.reordered ?? false).toBe(e.reordered ?? false);
      }
    }
    // Every delivery belongs to a send or a duplicate.
    const ids = new Set(scheduled.map((e) => e.id));
    for (const id of delivers.keys()) expect(ids.has(id)).toBe(true);
    expect(result.stats.segmentsDelivered).toBe(delivers.size);
    expect(result.stats.segmentsDropped).toBe(drops.size);
  });
});

describe('trace schema and JSON Lines', () => {
  const KINDS = ['state', 'send', 'deliver', 'drop', 'duplicate', 'timer', 'app', 'cc', 'summary'];
  const FLAGS = new Set<string>(FLAG_NAMES);

  function expectSegmentLine(e: SegmentEvent): void {
    expect(typeof e.from).toBe('string');
    expect(typeof e.to).toBe('string');
    expect(Number.isInteger(e.id)).toBe(true);
    const seg = e.seg;
    for (const field of ['srcPort', 'dstPort', 'seq', 'ack', 'len', 'win'] as const) {
      expect(Number.isInteger(seg[field]), `seg.${field}`).toBe(true);
    }
    expect(Array.isArray(seg.flags)).toBe(true);
    for (const flag of seg.flags) expect(FLAGS.has(flag), flag).toBe(true);
    expect(seg.seq >= 0 && seg.seq <= 0xffffffff && seg.ack >= 0 && seg.ack <= 0xffffffff).toBe(true);
  }

  /** Validates every line; lines carrying a `timer` field are checked as timer lines (see the it.fails below). */
  function expectSchema(trace: readonly TraceEvent[]): void {
    let last = 0;
    trace.forEach((e, i) => {
      const line = `line ${i + 1}: ${JSON.stringify(e)}`;
      expect(Number.isFinite(e.t) && e.t >= 0, line).toBe(true);
      expect(e.t, line).toBeGreaterThanOrEqual(last);
      last = e.t;
      expect(typeof e.endpoint, line).toBe('string');
      if ('timer' in e) {
        expect(e, line).toMatchObject({ timer: 'rto', action: 'retransmit' });
        expect(typeof (e as { conn?: unknown }).conn, line).toBe('string');
        expect(typeof (e as { rto?: unknown }).rto, line).toBe('number');
        expect(typeof (e as { count?: unknown }).count, line).toBe('number');
        return;
      }
      expect(KINDS, line).toContain(e.kind);
      switch (e.kind) {
        case 'state':
          for (const field of [e.conn, e.from, e.to]) expect(typeof field, line).toBe('string');
          break;
        case 'send':
        case 'deliver':
        case 'drop':
        case 'duplicate':
          expectSegmentLine(e);
          if (e.kind === 'drop') expect(typeof e.reason, line).toBe('string');
          if (e.kind === 'duplicate') expect(Number.isInteger(e.duplicateOf), line).toBe(true);
          break;
        case 'app':
          expect(typeof e.event, line).toBe('string');
          break;
        case 'cc':
          for (const field of [e.cwnd, e.ssthresh, e.inFlight, e.sacked, e.mss]) {
            expect(Number.isInteger(field), line).toBe(true);
          }
          expect(['Open', 'Disorder', 'CWR', 'Recovery', 'Loss'], line).toContain(e.state);
          break;
        case 'summary':
          expect(i, 'the summary is the last line').toBe(trace.length - 1);
          break;
      }
    });
    const summary = trace.at(-1)!;
    expect(summary.kind).toBe('summary');
    if (summary.kind !== 'summary') return;
    expect(summary.endpoint).toBe('*');
    expect(typeof summary.ok).toBe('boolean');
    for (const states of Object.values(summary.final)) expect(Array.isArray(states)).toBe(true);
  }

  it('every line has t, kind, endpoint; state, segment and summary lines have their fields', async () => {
    const clean = await runSimulation(lifecycle('linux'));
    expectSchema(clean.trace);
    expect(clean.trace.at(-1)).toMatchObject({ kind: 'summary', ok: true, final: { client: ['CLOSED'] } });
    const lossy = await runSimulation(
      lifecycle('linux', { seed: 3, clientBytes: 20_000, network: { default: LOSSY } }),
    );
    expectSchema(lossy.trace);
    const kinds = new Set(lossy.trace.map((e) => e.kind));
    for (const kind of ['state', 'send', 'deliver', 'drop', 'duplicate', 'app', 'summary']) {
      expect(kinds.has(kind as TraceEvent['kind']), kind).toBe(true);
    }
  });

  // BUG (src/simulation.ts, runSimulation, `case 'timer'`): host.ts reports timer details as
  // { kind: 'SYN' | 'SYN-ACK' | 'data' | 'FIN' | 'probe', count, rto } and the coordinator spreads
  // them after `kind: 'timer'`, so retransmission-timer lines come out with kind "SYN", "data", ...
  // Flip to `it` once fixed.
  it('retransmission timer lines keep kind "timer"', async () => {
    const { trace } = await runSimulation(
      lifecycle('linux', {
        network: {
          default: { delay: DELAY },
          faults: [{ match: { from: 'server', exactFlags: ['SYN', 'ACK'] }, action: { drop: true } }],
        },
      }),
    );
    const timers = trace.filter((e) => 'timer' in e);
    expect(timers.length).toBeGreaterThan(0);
    for (const e of timers) expect(e.kind).toBe('timer');
  });

  it('round-trips through toJsonLines / parseJsonLines and streams identically through JsonLinesWriter', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'synack-trace-'));
    try {
      const file = join(dir, 'trace.jsonl');
      const writer = new JsonLinesWriter(file);
      const result = await runSimulation(lifecycle('linux', { seed: 2, network: { default: LOSSY } }), {
        onTrace: (e) => writer.write(e),
      });
      await writer.close();
      const text = toJsonLines(result.trace);
      expect(text.endsWith('\n')).toBe(true);
      expect(text.split('\n')).toHaveLength(result.trace.length + 1);
      expect(parseJsonLines(text)).toStrictEqual(result.trace);
      expect(readFileSync(file, 'utf8')).toBe(text);
      // Blank lines are ignored; a broken line is reported with its number.
      expect(parseJsonLines(`\n${text}\n\n`)).toStrictEqual(result.trace);
      expect(() => parseJsonLines(`${text}{oops\n`)).toThrow(
        `trace line ${result.trace.length + 1} is not valid JSON`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('targeted faults', () => {
  it('dropping the first SYN-ACK: client retransmits SYN at 1 s, server retransmits SYN-ACK at 1 s, handshake completes at 1020 ms', async () => {
    const label = 'drop the first SYN-ACK';
    const result = await runSimulation(
      lifecycle('linux', {
        network: {
          default: { delay: DELAY },
          faults: [{ match: { from: 'server', exactFlags: ['SYN', 'ACK'] }, action: { drop: true }, label }],
        },
      }),
    );
    expectCleanTransfer(result);
    const { trace } = result;
    const synAcks = sendsWithFlags(trace, 'server', ['SYN', 'ACK']);
    const drops = segmentEvents(trace, 'drop');
    // Only the first match is dropped (nth defaults to 1).
    expect(drops).toHaveLength(1);
    expect(drops[0]).toMatchObject({ t: 10, id: synAcks[0].id, reason: `targeted: ${label}` });
    expect(synAcks[0].delay).toBeUndefined();

    const syns = sendsWithFlags(trace, 'client', ['SYN']);
    expect(syns.map((e) => [e.t, e.retransmit ?? false])).toEqual([
      [0, false],
      [1000, true], // the client's SYN RTO (initial RTO 1 s)
    ]);
    expect(syns[1].seg.seq).toBe(syns[0].seg.seq);
    expect(syns[1]).toMatchObject({ retransmitKind: 'SYN', state: 'SYN_SENT' });
    // At 1010 ms the server's own SYN-ACK RTO fires and the retransmitted SYN arrives: both produce
    // a retransmitted SYN-ACK with the original sequence number.
    expect(synAcks.map((e) => [e.t, e.retransmit ?? false])).toEqual([
      [10, false],
      [1010, true],
      [1010, true],
    ]);
    for (const e of synAcks)
      expect(e.seg).toMatchObject({ seq: synAcks[0].seg.seq, ack: syns[0].seg.seq + 1 });
    expect(synAcks[1]).toMatchObject({ retransmitKind: 'SYN-ACK', state: 'SYN_RECEIVED' });
    expect(timeOfState(trace, 'client', 'ESTABLISHED')).toBe(1020);
    expect(result.stats.retransmits).toMatchObject({ SYN: 1, 'SYN-ACK': 2 });
    expect(result.summary.listeners).toMatchObject({
      server: { 80: { synAckSent: 3, synAckRetransmitted: 2 } },
    });
  });

  it.for(PROFILES)(
    "%s: dropping the client's last ACK makes LAST_ACK retransmit the FIN; the re-ACK restarts TIME_WAIT",
    async (profile) => {
      const result = await runSimulation(
        lifecycle(profile, {
          network: {
            default: { delay: DELAY },
            faults: [
              {
                match: { from: 'client', exactFlags: ['ACK'], senderState: 'TIME_WAIT' },
                action: { drop: true },
              },
            ],
          },
        }),
      );
      expectCleanTransfer(result);
      const { trace } = result;
      const enteredTimeWait = timeOfState(trace, 'client', 'TIME_WAIT')!;
      const clientAcks = sendsWithFlags(trace, 'client', ['ACK']).filter((e) => e.t >= enteredTimeWait);
      expect(clientAcks).toHaveLength(2);
      const [dropped, reAck] = clientAcks;
      expect(dropped.t).toBe(enteredTimeWait);
      expect(dropped.state).toBe('TIME_WAIT');
      expect(segmentEvents(trace, 'drop')).toEqual([
        expect.objectContaining({ id: dropped.id, reason: 'targeted' }),
      ]);

      const fins = sendsWithFlags(trace, 'server', ['ACK', 'FIN']);
      expect(fins).toHaveLength(2);
      expect(fins[1].retransmit).toBe(true);
      expect(fins[1].seg.seq).toBe(fins[0].seg.seq);
      expect(fins[1].t).toBeGreaterThan(dropped.t);
      // The server is still in LAST_ACK when it retransmits, and leaves it on the re-ACK.
      expect(timeOfState(trace, 'server', 'LAST_ACK')!).toBeLessThan(fins[1].t);
      expect(reAck.t).toBe(fins[1].t + DELAY);
      expect(reAck.seg.ack).toBe(fins[0].seg.seq + 1);
      expect(timeOfState(trace, 'server', 'CLOSED', 'LAST_ACK')).toBe(reAck.t + DELAY);
      // TIME_WAIT restarted at the re-ACK: the client closes a full TIME_WAIT after it, not after entry.
      expect(timeOfState(trace, 'client', 'CLOSED', 'TIME_WAIT')).toBe(reAck.t + TIME_WAIT[profile]);
      expect(stateEvents(trace, 'client').filter((e) => e.to === 'TIME_WAIT')).toHaveLength(1);
      expect(result.stats.retransmits.FIN).toBe(1);
    },
  );

  it.for(PROFILES)(
    '%s: a duplicated FIN and a late second ACK make the closed server reset TIME_WAIT early (RFC 1337)',
    async (profile) => {
      const result = await runSimulation(
        lifecycle(profile, {
          network: {
            default: { delay: DELAY },
            faults: [
              { match: { from: 'server', flags: ['FIN'] }, action: { duplicate: true } },
              {
                match: { from: 'client', exactFlags: ['ACK'], senderState: 'TIME_WAIT', nth: 2 },
                action: { delay: 50 },
              },
            ],
          },
        }),
      );
      expect(result.ok).toBe(true);
      const { trace } = result;
      const [fin] = sendsWithFlags(trace, 'server', ['ACK', 'FIN']);
      expect(segmentEvents(trace, 'duplicate')).toEqual([
        expect.objectContaining({ duplicateOf: fin.id, delay: DELAY }),
      ]);
      const enteredTimeWait = timeOfState(trace, 'client', 'TIME_WAIT')!;
      const acks = sendsWithFlags(trace, 'client', ['ACK']).filter((e) => e.t === enteredTimeWait);
      expect(acks.map((e) => e.delay)).toEqual([DELAY, DELAY + 50]);
      expect(timeOfState(trace, 'server', 'CLOSED', 'LAST_ACK')).toBe(enteredTimeWait + DELAY);
      const [rst] = sendsWithFlags(trace, 'server', ['RST']);
      expect(rst).toMatchObject({ t: enteredTimeWait + DELAY + 50, seg: { seq: acks[1].seg.ack } });
      expect(stateEvents(trace, 'client').at(-1)).toMatchObject({
        t: rst.t + DELAY,
        from: 'TIME_WAIT',
        to: 'CLOSED',
      });
      expect(connectionsOf(result.summary).client[0]).toMatchObject({ state: 'CLOSED', reason: 'reset' });
      expect(result.summary.final).toEqual({ client: ['CLOSED'], server: ['CLOSED'] });
    },
  );

  it('delaying the first data segment by 5 s: the RTO resends it, the late original is answered with RST and ignored', async () => {
    const result = await runSimulation(
      lifecycle('linux', {
        network: {
          default: { delay: DELAY },
          faults: [{ match: { from: 'client', minLen: 1 }, action: { delay: 5000 } }],
        },
      }),
    );
    // The stream arrives exactly once although a second copy of its first segment shows up later.
    expectCleanTransfer(result);
    const { trace } = result;
    const data = segmentEvents(trace, 'send', 'client').filter((e) => e.seg.len > 0);
    expect(data).toHaveLength(2);
    const [late, resent] = data;
    expect(late.delay).toBe(5000 + DELAY);
    expect(resent).toMatchObject({ retransmit: true, delay: DELAY, seg: { seq: late.seg.seq, len: 1024 } });
    expect(resent.t).toBeLessThan(late.t + late.delay!);
    const lateDelivery = segmentEvents(trace, 'deliver').find((e) => e.id === late.id)!;
    expect(lateDelivery.t).toBe(late.t + 5000 + DELAY);
    // By then the server connection is gone: the host answers with a bare RST (no connection).
    expect(timeOfState(trace, 'server', 'CLOSED', 'LAST_ACK')!).toBeLessThan(lateDelivery.t);
    const rst = sendsWithFlags(trace, 'server', ['RST']);
    expect(rst).toHaveLength(1);
    expect(rst[0]).toMatchObject({ t: lateDelivery.t, seg: { seq: late.seg.ack } });
    expect(rst[0].conn).toBeUndefined();
    // The RST is out of the TIME_WAIT client's window, so TIME_WAIT runs its full 60 s.
    const entered = timeOfState(trace, 'client', 'TIME_WAIT')!;
    expect(entered).toBeLessThan(rst[0].t);
    expect(timeOfState(trace, 'client', 'CLOSED', 'TIME_WAIT')).toBe(entered + TIME_WAIT.linux);
    expect(result.stats.retransmits.data).toBe(1);
  });
});
