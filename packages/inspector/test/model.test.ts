/**
 * The page's model (public/model.js) is pure: these tests derive it from the
 * event streams of real runs, under Node.
 */
import { describe, expect, it } from 'vitest';
import {
  applyEvent,
  causedBy,
  causeOf,
  cloneModel,
  contextRows,
  countForCursor,
  createModel,
  deriveModel,
  ELSEWHERE,
  pendingTimers,
  retransmissionReason,
  segmentLabel,
  stateCounts,
  transitionSteps,
} from '../public/model.js';
import { CLIENT_PATH, lifecycle, lossyBulk, lostFinalAck, lostSyn, messy, synFlood } from './fixtures.js';
import { runFast } from './helpers.js';

async function stream(config: Parameters<typeof runFast>[0]) {
  const { inspector, result } = await runFast(config);
  const hello = { endpoints: (await import('../src/session.js')).endpointInfo(config) };
  const events = [...inspector.events];
  await inspector.close();
  return { hello, events, result };
}

/**
 * Whether the listening socket has its own state lines (role 'listener', CLOSED → LISTEN at
 * listen()); without them a passive connection's history starts with CLOSED → LISTEN.
 */
function hasListenerLines(events: readonly unknown[]) {
  return events.some(
    (e) =>
      (e as { kind: string; role?: string }).kind === 'state' && (e as { role?: string }).role === 'listener',
  );
}

describe('page model', () => {
  it('follows both connections of a lifecycle through their RFC states', async () => {
    const { hello, events, result } = await stream(lifecycle);
    expect(result.ok).toBe(true);
    const model = deriveModel(hello, events);
    const client = model.endpointById.get('client')!;
    const server = model.endpointById.get('server')!;
    expect(client.conns.size).toBe(1);
    const c = [...client.conns.values()][0];
    expect(c.history.map((s) => s.to)).toEqual(CLIENT_PATH);
    expect(c.label).toBe('c1');
    // The listening socket's own state line is a listener, not a connection.
    expect(server.conns.size).toBe(1);
    expect([...server.listeners.values()].some((l) => l.value === 'LISTEN')).toBe(true);
    const s = [...server.conns.values()][0];
    expect(s.history.map((h) => h.to)).toEqual([
      ...(hasListenerLines(events) ? [] : ['LISTEN']),
      'SYN_RECEIVED',
      'ESTABLISHED',
      'CLOSE_WAIT',
      'LAST_ACK',
      'CLOSED',
    ]);
    // The event that took each transition comes from the XState snapshot.
    expect(c.history.map((h) => h.event)).toEqual([
      'OPEN_ACTIVE',
      'SEGMENT_ARRIVES',
      'CLOSE',
      'SEGMENT_ARRIVES',
      'SEGMENT_ARRIVES',
      expect.stringMatching(/^xstate\.after\.timeWait\./),
    ]);
    expect(server.listeners.get('listener:80')?.value).toBe('LISTEN');
    expect(model.summary).not.toBeNull();
    expect(model.stats).toMatchObject({ sent: 11, delivered: 11, dropped: 0 });
  });

  it('numbers seq/ack relative to each side’s ISN', async () => {
    const { hello, events } = await stream(lifecycle);
    const model = deriveModel(hello, events);
    const labels = model.segmentOrder.slice(0, 4).map((id) => segmentLabel(model.segments.get(id)!));
    expect(labels).toEqual([
      'SYN seq=0 len=0',
      'SYN,ACK seq=0 ack=1 len=0',
      'ACK seq=1 ack=1 len=0',
      'ACK,PSH seq=1 ack=1 len=1024',
    ]);
  });

  it('a cloned model carries on exactly like one derived from the start, and leaves the original alone', async () => {
    const { hello, events } = await stream(lossyBulk);
    // Everything the page reads: connections with their steps and context, segments, counts.
    const view = (m: ReturnType<typeof createModel>) =>
      JSON.stringify({
        conns: m.endpoints.map((e) => [
          e.id,
          e.lastActive,
          [...e.listeners],
          [...e.conns.values()].map((c) => [
            c.id,
            c.state,
            c.history,
            c.last,
            c.context,
            c.cc.length,
            c.since,
          ]),
        ]),
        segs: m.segmentOrder.map((id) => m.segments.get(id)),
        steps: m.stateEvents,
        rest: [m.stats, m.instants, m.extraLanes, m.count, m.traceCount, m.t, m.summary, m.lastSegment],
        maps: [[...m.isn], [...m.firstBySeq]],
      });
    expect(events.length).toBeGreaterThan(500);
    for (const at of [1, 137, Math.floor(events.length / 2), events.length - 3]) {
      const original = deriveModel(hello, events, at);
      const before = view(original);
      const copy = cloneModel(original);
      for (let i = at; i < events.length; i++) applyEvent(copy, events[i], i, events);
      expect(view(copy)).toBe(view(deriveModel(hello, events)));
      // The original still shows its own moment: nothing it holds was changed through the copy.
      expect(view(original)).toBe(before);
    }
  });

  it('replays any earlier moment exactly (scrubbing = deriving from a prefix)', async () => {
    const { hello, events } = await stream(lifecycle);
    const live = createModel(hello);
    const snapshots: string[] = [];
    const view = (m: ReturnType<typeof createModel>) =>
      JSON.stringify({
        states: m.endpoints.map((e) => [...e.conns.values()].map((c) => [c.id, c.state, c.context])),
        segs: m.segmentOrder.map((id) => {
          const s = m.segments.get(id)!;
          return [id, s.deliveredAt, s.drop];
        }),
        t: m.t,
      });
    events.forEach((ev, i) => {
      applyEvent(live, ev, i, events);
      snapshots.push(view(live));
    });
    for (const k of [0, 5, 17, events.length - 1]) {
      expect(view(deriveModel(hello, events, k + 1))).toBe(snapshots[k]);
    }
    // Cursor positions are counted in trace events; inspection snapshots ride with the one before.
    const traceIdx = events.flatMap((e, i) => (e.kind === 'inspect' ? [] : [i]));
    expect(countForCursor(traceIdx, events.length, 0)).toBe(traceIdx[0]);
    expect(countForCursor(traceIdx, events.length, traceIdx.length)).toBe(events.length);
    const k = traceIdx.findIndex((i) => {
      const e = events[i];
      return e.kind === 'state' && e.endpoint === 'client' && e.to === 'ESTABLISHED';
    });
    const atEstablished = deriveModel(hello, events, countForCursor(traceIdx, events.length, k + 1));
    expect([...atEstablished.endpointById.get('client')!.conns.values()][0].state).toBe('ESTABLISHED');
    // The variables after that transition show with it (the snapshot comes later in the instant).
    const established = [...atEstablished.endpointById.get('client')!.conns.values()][0];
    expect(established.context?.irs).not.toBe(0);
    expect(established.last?.event).toBe('SEGMENT_ARRIVES');
    expect(pendingTimers(established, atEstablished.endpointById.get('client'), atEstablished.t)).toEqual([]);
    const before = deriveModel(hello, events, countForCursor(traceIdx, events.length, k));
    expect([...before.endpointById.get('client')!.conns.values()][0].state).toBe('SYN_SENT');
  });

  it('tells which transitions a segment caused at its receiver', async () => {
    const { hello, events } = await stream(lifecycle);
    const model = deriveModel(hello, events);
    const synAck = [...model.segments.values()].find((s) => s.seg.flags.join() === 'SYN,ACK')!;
    expect(causedBy(model, synAck.id).map((c) => [c.endpoint, c.from, c.to, c.event])).toEqual([
      ['client', 'SYN_SENT', 'ESTABLISHED', 'SEGMENT_ARRIVES'],
    ]);
    const syn = model.segments.get(model.segmentOrder[0])!;
    expect(causedBy(model, syn.id).map((c) => `${c.from}->${c.to}`)).toEqual([
      ...(hasListenerLines(events) ? [] : ['CLOSED->LISTEN']),
      'LISTEN->SYN_RECEIVED',
    ]);
    const data = [...model.segments.values()].find((s) => s.seg.len > 0)!;
    expect(causedBy(model, data.id)).toEqual([]);
  });

  it('marks the lost SYN as dropped in the network and the retransmission', async () => {
    const { hello, events } = await stream(lostSyn);
    const model = deriveModel(hello, events);
    const [first, second] = model.segmentOrder.map((id) => model.segments.get(id)!);
    expect(first.drop).toMatchObject({ reason: 'targeted: drop the first SYN', host: false });
    expect(first.deliveredAt).toBeNull();
    expect(second.retransmit).toBe(true);
    expect(second.relSeq).toBe(0);
    expect(model.stats.dropped).toBe(1);
    const client = [...model.endpointById.get('client')!.conns.values()][0];
    expect(client.retransmits).toBe(1);
    // While the SYN is outstanding the RTO timer is pending.
    const early = deriveModel(hello, events, events.findIndex((e) => e.kind === 'drop') + 2);
    const conn = [...early.endpointById.get('client')!.conns.values()][0];
    expect(pendingTimers(conn, early.endpointById.get('client'), early.t)).toEqual([
      { name: 'RTO', at: 1000, in: 1000 },
    ]);
    expect(contextRows(conn).find(([k]) => k === 'SND.NXT')?.[1]).toBe(1);
  });

  it('marks duplicates and reordered segments', async () => {
    const { hello, events } = await stream(messy);
    const model = deriveModel(hello, events);
    const segs = [...model.segments.values()];
    const dups = segs.filter((s) => s.duplicateOf !== null);
    expect(dups.length).toBeGreaterThan(0);
    for (const d of dups) expect(model.segments.get(d.duplicateOf!)?.seg).toEqual(d.seg);
    expect(segs.some((s) => s.reordered)).toBe(true);
    expect(model.stats.duplicated).toBe(dups.length);
  });

  it('counts a SYN flood’s half-open connections per state; host drops and unroutable SYN-ACKs', async () => {
    const { hello, events } = await stream(synFlood);
    const order = ['CLOSED', 'LISTEN', 'SYN_SENT', 'SYN_RECEIVED', 'ESTABLISHED'];
    const server = deriveModel(hello, events).endpointById.get('server')!;
    const final = stateCounts(server, order);
    expect(final.map(([state]) => state)).toEqual(['CLOSED']);
    expect(final[0][1]).toBeGreaterThanOrEqual(4);
    const midIndex = events.findIndex((e) => e.kind === 'drop' && e.reason === 'syn-queue-full');
    const mid = deriveModel(hello, events, midIndex + 1);
    // The half-open queue is full (backlog 4, Linux admits backlog + 1).
    const half = stateCounts(mid.endpointById.get('server')!, order);
    expect(half.map(([state]) => state)).toEqual(['SYN_RECEIVED']);
    expect(half[0][1]).toBeGreaterThanOrEqual(4);
    const hostDrop = [...mid.segments.values()].find((s) => s.drop?.host);
    expect(hostDrop?.drop?.reason).toBe('syn-queue-full');
    expect(hostDrop?.from).toBe('attacker');
    const model = deriveModel(hello, events);
    expect(model.extraLanes).toEqual([ELSEWHERE]);
    const unroutable = [...model.segments.values()].filter((s) => s.drop?.reason === 'no-route');
    expect(unroutable.length).toBeGreaterThan(0);
    // The SYN-ACK to a spoofed source acknowledges the attacker's SYN: ack=1 relative to it.
    expect(unroutable.every((s) => s.relSeq === 0 && s.relAck === 1)).toBe(true);
  });

  it('counts deliveries, network drops and host drops apart (a host-dropped SYN is not delivered)', async () => {
    const { hello, events } = await stream(synFlood);
    const model = deriveModel(hello, events);
    const kinds = (k: string, pred: (e: Record<string, unknown>) => boolean = () => true) =>
      events.filter((e) => e.kind === k && pred(e as unknown as Record<string, unknown>)).length;
    const hostDrops = kinds('drop', (e) => !e.id); // id 0: dropped by the receiving host
    const netDrops = kinds('drop', (e) => Boolean(e.id));
    expect(hostDrops).toBeGreaterThan(0);
    expect(model.stats.hostDropped).toBe(hostDrops);
    expect(model.stats.netDropped).toBe(netDrops);
    expect(model.stats.dropped).toBe(hostDrops + netDrops);
    // Every deliver line reached the host; those its host dropped are not counted as delivered.
    expect(model.stats.delivered).toBe(kinds('deliver') - hostDrops);
    const segs = [...model.segments.values()];
    expect(segs.filter((s) => s.deliveredAt !== null && !s.drop).length).toBe(model.stats.delivered);
  });

  it('says what each retransmission resends and why (RTO, fast retransmit, TLP)', async () => {
    const { hello, events } = await stream(lossyBulk);
    const model = deriveModel(hello, events);
    const resent = [...model.segments.values()].filter((s) => s.retransmit);
    expect(resent.length).toBeGreaterThan(2);
    for (const s of resent) {
      const reason = retransmissionReason(model, s)!;
      expect(['rto', 'fast', 'tlp']).toContain(s.cause);
      expect(s.retransmitOf, `#${s.id} links its original`).not.toBeNull();
      const of = model.segments.get(s.retransmitOf!)!;
      expect(of.seg.seq).toBe(s.seg.seq);
      expect(of.t).toBeLessThan(s.t);
      expect(of.from).toBe(s.from);
      expect(reason.text).toContain(`retransmission of #${of.id}`);
    }
    // The trace's cause field is carried through unchanged.
    const traced = events.filter((e) => e.kind === 'send' && 'cause' in e) as unknown as {
      id: number;
      cause: string;
    }[];
    for (const e of traced) expect(model.segments.get(e.id)?.cause).toBe(e.cause);
    expect(retransmissionReason(model, model.segments.get(model.segmentOrder[0]))).toBeNull();
  });

  it('names what took each transition: the segment delivered, a timer or an application call', async () => {
    const { hello, events } = await stream(lifecycle);
    const model = deriveModel(hello, events);
    const client = [...model.endpointById.get('client')!.conns.values()][0];
    const [open, established, , , timeWait, closed] = client.history;
    expect(causeOf(model, open)?.text).toBe('application call OPEN_ACTIVE');
    // ESTABLISHED came from the SYN-ACK: both directions agree (causedBy of that segment).
    const bySynAck = causeOf(model, established)!;
    expect(bySynAck.kind).toBe('segment');
    expect(model.segments.get(bySynAck.segment!)?.seg.flags).toEqual(['SYN', 'ACK']);
    expect(causedBy(model, bySynAck.segment!).map((c) => c.to)).toContain('ESTABLISHED');
    expect(causeOf(model, timeWait)?.kind).toBe('segment');
    expect(causeOf(model, closed)?.text).toBe('2MSL timer (TIME_WAIT ended)');
    // Every segment-caused transition is listed by causedBy of its segment.
    for (const step of model.stateEvents) {
      const cause = causeOf(model, step);
      if (cause?.kind === 'segment') expect(causedBy(model, cause.segment!)).toContain(step);
    }
  });
});

describe('transitions and actions without a state change (issue 23 item 3)', () => {
  it("transitionSteps lists every connection transition with its event; TIME_WAIT's re-ACK is an action", async () => {
    const { hello, events } = await stream(lostFinalAck);
    const steps = transitionSteps(events);
    const clientPath = steps.filter((s) => s.endpoint === 'client').map((s) => s.to);
    expect(clientPath).toEqual(CLIENT_PATH);
    // The same transitions as the model records while it replays the stream.
    const model = deriveModel(hello, events);
    expect(steps.map((s) => s.index)).toEqual(model.stateEvents.map((s) => s.index));
    expect(steps.find((s) => s.to === 'TIME_WAIT' && s.endpoint === 'client')?.event).toBe('SEGMENT_ARRIVES');
    // Incremental: scanning on from an instant's first event gives the same list (a cut inside an
    // instant can miss its snapshots, which is why app.js rescans the last instant).
    let half = Math.floor(events.length / 2);
    const t = (i: number) => (events[i] as { t: number }).t;
    while (half > 0 && t(half) === t(half - 1)) half--;
    const partial = transitionSteps(events.slice(0, half));
    expect(transitionSteps(events, half, partial)).toEqual(steps);
    // Just after the client's second ACK from TIME_WAIT: one send and one 2MSL restart since the
    // transition into TIME_WAIT, no state change.
    const reAck = events.findLastIndex(
      (e) =>
        (e as { kind: string }).kind === 'send' &&
        (e as { from: string }).from === 'client' &&
        (e as { state?: string }).state === 'TIME_WAIT',
    );
    const at = deriveModel(hello, events, reAck + 1);
    const conn = [...at.endpointById.get('client')!.conns.values()][0];
    expect(conn.state).toBe('TIME_WAIT');
    expect(conn.since?.sent).toBe(1);
    expect(conn.since?.lastSent).toBe((events[reAck] as { id: number }).id);
    expect(conn.since?.restarts).toHaveLength(1);
    // At the end the connection left TIME_WAIT: the counts start over.
    const end = [...deriveModel(hello, events).endpointById.get('client')!.conns.values()][0];
    expect(end.since).toEqual({ sent: 0, lastSent: null, received: 0, lastReceived: null, restarts: [] });
  });
});
