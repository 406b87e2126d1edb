/**
 * The table engine is the same statechart as `connectionMachine`, event by event: random event
 * sequences go through the table engine and through XState's pure `transition()`, and after every
 * event both must agree on the state, the TCB, the emitted outputs and the timer operations (in
 * order). XState's actions are read from `transition()`'s result (`xstate.cancel`, delayed
 * `xstate.raise`, `xstate.emit`); the table engine's from its effect sink and its clock.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AnyActorLogic, initialTransition, transition } from 'xstate';
import type { VirtualClock } from '../src/clock.js';
import type { TimerId } from '../src/machine/effects.js';
import { type ConnectionInput, type ConnectionSnapshot, connectionMachine } from '../src/machine/machine.js';
import { TCP_STATES, tcpStateOf } from '../src/machine/states.js';
import { TableConnection } from '../src/machine/table-engine.js';
import { getProfile } from '../src/profiles.js';
import { Flag, type Segment } from '../src/segment.js';
import { seqAdd } from '../src/seq.js';
import type { ConnectionOutput, Tcb, TcpEvent } from '../src/tcb/tcb.js';

const LOCAL = { addr: '10.0.0.1', port: 40000 };
const REMOTE = { addr: '10.0.0.2', port: 80 };

/** JSON with byte arrays as plain arrays, for exact comparison. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (v instanceof Uint8Array ? [...v] : v));
}

/** A clock that only records: the table engine's timers are fired by the test. */
class RecordingClock {
  private nextId = 1;
  readonly pending = new Map<number, { fn: () => void; delay: number; kind: 'effect' | 'timeWait' }>();
  scheduling: 'effect' | 'timeWait' = 'timeWait';
  ops: string[] = [];

  schedule(fn: () => void, delay: number): number {
    const id = this.nextId++;
    this.pending.set(id, { fn, delay, kind: this.scheduling });
    if (this.scheduling === 'timeWait') this.ops.push(`start timeWait ${delay}`);
    return id;
  }

  clearTimeout(id: number): void {
    const timer = this.pending.get(id);
    if (timer?.kind === 'timeWait') this.ops.push('cancel timeWait');
    this.pending.delete(id);
  }

  scheduleTimer(fn: () => void, delay: number): { id: number } {
    return { id: this.schedule(fn, delay) };
  }

  cancelTimer(timer: { id: number }): void {
    this.clearTimeout(timer.id);
  }

  timeWaitTimer(): (() => void) | undefined {
    for (const timer of this.pending.values()) if (timer.kind === 'timeWait') return timer.fn;
    return undefined;
  }
}

/** The table engine with its effects recorded in the same vocabulary as XState's actions. */
class RecordingTable extends TableConnection {
  constructor(
    input: ConnectionInput,
    readonly recorder: RecordingClock,
  ) {
    super(input, { output: () => {}, processed: () => {} }, recorder as unknown as VirtualClock);
  }

  override cancel(timer: TimerId): void {
    this.recorder.ops.push(`cancel ${timer}`);
    super.cancel(timer);
  }

  override start(timer: TimerId, delay: number, event: TcpEvent): void {
    this.recorder.ops.push(`start ${timer} ${delay} ${canonical(event)}`);
    this.recorder.scheduling = 'effect';
    super.start(timer, delay, event);
    this.recorder.scheduling = 'timeWait';
  }

  override emit(output: ConnectionOutput): void {
    this.recorder.ops.push(`emit ${canonical(output)}`);
    super.emit(output);
  }
}

interface XStateAction {
  type: string;
  params?: { sendId?: string; id?: string; delay?: number; event?: { type: string } };
}

/** XState's executable actions in the recorder's vocabulary. */
function xstateOps(actions: XStateAction[], firedTimeWait: boolean): string[] {
  const ops: string[] = [];
  const timerName = (id: string | undefined) => (id?.startsWith('xstate.after.') ? 'timeWait' : id);
  for (const action of actions) {
    const p = action.params ?? {};
    if (action.type === 'xstate.cancel') {
      const name = timerName(p.sendId);
      // The expired TIME_WAIT timer is cancelled on exit by XState; the table engine has none left.
      if (!(name === 'timeWait' && firedTimeWait)) ops.push(`cancel ${name}`);
    } else if (action.type === 'xstate.raise' && p.delay !== undefined) {
      const name = timerName(p.id);
      ops.push(
        name === 'timeWait' ? `start timeWait ${p.delay}` : `start ${name} ${p.delay} ${canonical(p.event)}`,
      );
    } else if (action.type === 'xstate.emit') {
      ops.push(`emit ${canonical(p.event)}`);
    }
  }
  return ops;
}

/** An abstract event; segments are placed relative to the current TCB when the event is applied. */
type Step =
  | { kind: 'user'; type: 'OPEN_ACTIVE' | 'OPEN_PASSIVE' | 'RECEIVE' | 'CLOSE' | 'ABORT' }
  | { kind: 'send'; bytes: number }
  | { kind: 'timer'; type: 'RTO_TIMEOUT' | 'DELAYED_ACK_TIMEOUT' | 'FIN_WAIT_2_TIMEOUT' | 'TIME_WAIT' }
  | {
      kind: 'segment';
      flags: number;
      dSeq: number;
      /** Acknowledge everything sent (SND.MAX) instead of SND.UNA + dAck: drives closes forward. */
      ackAll: boolean;
      dAck: number;
      len: number;
      win: number;
      synSeq: number;
    }
  | { kind: 'cookie'; flags: number; mss: number }
  /** What a well-behaved peer would send now (drives the connection through the whole chart). */
  | { kind: 'peer'; fin: boolean; syn: boolean; ackAll: boolean };

const FLAG_SETS = [
  Flag.SYN,
  Flag.SYN | Flag.ACK,
  Flag.ACK,
  Flag.ACK | Flag.PSH,
  Flag.FIN | Flag.ACK,
  Flag.RST,
  Flag.RST | Flag.ACK,
  Flag.FIN,
  Flag.SYN | Flag.FIN,
];

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .constantFrom('OPEN_ACTIVE', 'OPEN_PASSIVE', 'RECEIVE', 'CLOSE', 'ABORT')
      .map((type) => ({ kind: 'user' as const, type })),
  },
  {
    weight: 2,
    arbitrary: fc.integer({ min: 1, max: 4000 }).map((bytes) => ({ kind: 'send' as const, bytes })),
  },
  {
    weight: 3,
    arbitrary: fc
      .constantFrom('RTO_TIMEOUT', 'DELAYED_ACK_TIMEOUT', 'TIME_WAIT')
      .map((type) => ({ kind: 'timer' as const, type })),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('segment' as const),
      flags: fc.constantFrom(...FLAG_SETS),
      dSeq: fc.oneof(
        fc.constant(0),
        fc.integer({ min: -3, max: 3 }),
        fc.integer({ min: -100_000, max: 100_000 }),
      ),
      ackAll: fc.boolean(),
      dAck: fc.oneof(
        fc.constant(0),
        fc.integer({ min: -2, max: 3000 }),
        fc.integer({ min: -100_000, max: 100_000 }),
      ),
      len: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1500 })),
      win: fc.oneof(fc.constant(65_535), fc.constant(0), fc.integer({ min: 1, max: 65_535 })),
      synSeq: fc.integer({ min: 0, max: 0xffff_ffff }),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('peer' as const),
      fin: fc.boolean(),
      syn: fc.boolean(),
      ackAll: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('cookie' as const),
      flags: fc.constantFrom(Flag.ACK, Flag.ACK | Flag.FIN),
      mss: fc.constantFrom(536, 1460),
    }),
  },
);

function segmentFor(step: Extract<Step, { kind: 'segment' | 'cookie' }>, t: Tcb): Segment {
  const data = step.kind === 'segment' && step.len > 0 ? new Uint8Array(step.len).fill(7) : undefined;
  const fresh = step.kind === 'segment' && step.flags & Flag.SYN && !(step.flags & Flag.ACK);
  return {
    srcAddr: REMOTE.addr,
    srcPort: REMOTE.port,
    dstAddr: LOCAL.addr,
    dstPort: LOCAL.port,
    seq: step.kind === 'cookie' ? t.rcvNxt : fresh ? step.synSeq : seqAdd(t.rcvNxt, step.dSeq),
    ack: step.kind === 'cookie' ? seqAdd(t.iss, 1) : step.ackAll ? t.sndMax : seqAdd(t.sndUna, step.dAck),
    flags: step.flags,
    win: step.kind === 'segment' ? step.win : 65_535,
    ...(step.kind === 'segment' && step.flags & Flag.SYN ? { mss: 1460 } : {}),
    ...(data ? { data } : {}),
  };
}

/** The peer's next segment: its SYN (or SYN,ACK in SYN_SENT), else an ACK of everything, maybe with its FIN. */
function peerSegment(step: Extract<Step, { kind: 'peer' }>, t: Tcb): Segment {
  const handshake = t.state === 'LISTEN' || t.state === 'SYN_SENT' || t.state === 'CLOSED';
  const peerIsn = 7000;
  const flags = handshake
    ? t.state === 'SYN_SENT' && !step.syn
      ? Flag.SYN | Flag.ACK
      : Flag.SYN
    : Flag.ACK | (step.fin ? Flag.FIN : 0);
  return {
    srcAddr: REMOTE.addr,
    srcPort: REMOTE.port,
    dstAddr: LOCAL.addr,
    dstPort: LOCAL.port,
    seq: handshake ? peerIsn : t.rcvNxt,
    ack: flags & Flag.ACK ? (step.ackAll || handshake ? t.sndMax : t.sndUna) : 0,
    flags,
    win: 65_535,
    ...(flags & Flag.SYN ? { mss: 1460 } : {}),
  };
}

/** The concrete event for an abstract step (undefined: not applicable now, e.g. TIME_WAIT expiry outside TIME_WAIT). */
function eventFor(step: Step, t: Tcb, now: number): TcpEvent | 'TIME_WAIT' | undefined {
  switch (step.kind) {
    case 'user':
      return step.type === 'OPEN_ACTIVE'
        ? { type: 'OPEN_ACTIVE', now, remote: REMOTE }
        : { type: step.type, now };
    case 'send':
      return { type: 'SEND', now, data: new Uint8Array(step.bytes).fill(1) };
    case 'timer':
      if (step.type === 'TIME_WAIT') return t.state === 'TIME_WAIT' ? 'TIME_WAIT' : undefined;
      return { type: step.type, now };
    case 'segment':
      return { type: 'SEGMENT_ARRIVES', now, segment: segmentFor(step, t) };
    case 'cookie':
      return { type: 'COOKIE_ACK', now, segment: segmentFor(step, t), mss: step.mss };
    case 'peer':
      return { type: 'SEGMENT_ARRIVES', now, segment: peerSegment(step, t) };
  }
}

function outcome(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return String(err);
  }
}

/** Runs both engines over the steps; returns the states visited (so a test can show it was not vacuous). */
function runBoth(
  profileName: string,
  fixedIsn: number | undefined,
  steps: Array<{ step: Step; dt: number }>,
): string[] {
  const visited: string[] = ['CLOSED'];
  const input: ConnectionInput = {
    id: 'c',
    local: LOCAL,
    remote: REMOTE,
    profile: getProfile(profileName),
    fixedIsn,
  };
  const recorder = new RecordingClock();
  const table = new RecordingTable(input, recorder);
  let [snapshot] = initialTransition(connectionMachine, input) as [ConnectionSnapshot, unknown];
  let now = 0;
  let afterEvent: { type: string } | undefined;
  for (const [i, { step, dt }] of steps.entries()) {
    now += dt;
    const event = eventFor(step, table.context, now);
    if (event === undefined) continue;
    recorder.ops = [];
    const xEvent = event === 'TIME_WAIT' ? afterEvent! : event;
    let xActions: XStateAction[] = [];
    const xError = outcome(() => {
      const [next, actions] = transition(connectionMachine as AnyActorLogic, snapshot, xEvent as never) as [
        ConnectionSnapshot,
        XStateAction[],
      ];
      snapshot = next;
      xActions = actions;
    });
    const tError = outcome(() => (event === 'TIME_WAIT' ? recorder.timeWaitTimer()!() : table.send(event)));
    const where = `step ${i} (${canonical(step)})`;
    expect(tError, `${where}: table threw iff XState threw`).toBe(xError);
    if (xError) return visited; // both rejected the event as a programming error: the run ends here
    expect(table.state, where).toBe(tcpStateOf(snapshot.value));
    expect(snapshot.context.state, where).toBe(table.state);
    expect(canonical({ ...table.context, lastEventAt: 0 }), where).toBe(
      canonical({ ...snapshot.context, lastEventAt: 0 }),
    );
    expect(recorder.ops, where).toEqual(xstateOps(xActions, event === 'TIME_WAIT'));
    const raiseAfter = xActions.find(
      (a) => a.type === 'xstate.raise' && a.params?.id?.startsWith('xstate.after.'),
    );
    if (raiseAfter) afterEvent = raiseAfter.params!.event;
    if (visited.at(-1) !== table.state) visited.push(table.state);
  }
  return visited;
}

describe('table engine ≡ connectionMachine (XState pure transition), event by event', () => {
  it('random event sequences: same state, TCB, outputs and timer operations after every event', () => {
    const reached = new Set<string>();
    fc.assert(
      fc.property(
        fc.constantFrom('linux', 'rfc9293'),
        fc.option(fc.integer({ min: 0, max: 0xffff_ffff }), { nil: undefined }),
        fc.array(
          fc.record({ step: stepArb, dt: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5000 })) }),
          {
            minLength: 1,
            maxLength: 60,
          },
        ),
        (profile, isn, steps) => {
          for (const state of runBoth(profile, isn, steps)) reached.add(state);
        },
      ),
      { numRuns: 400, seed: 20261202 },
    );
    // Not vacuous: the random sequences drove both engines through every state of the chart.
    expect([...reached].sort()).toEqual([...TCP_STATES].sort());
  });

  it('a handshake, data, close and TIME_WAIT expiry agree step by step (a guided sequence)', () => {
    const steps: Step[] = [
      { kind: 'user', type: 'OPEN_ACTIVE' },
      {
        kind: 'segment',
        flags: Flag.SYN | Flag.ACK,
        dSeq: 0,
        ackAll: false,
        dAck: 1,
        len: 0,
        win: 65_535,
        synSeq: 5000,
      },
      { kind: 'send', bytes: 3000 },
      {
        kind: 'segment',
        flags: Flag.ACK,
        dSeq: 0,
        ackAll: false,
        dAck: 3000,
        len: 0,
        win: 65_535,
        synSeq: 0,
      },
      { kind: 'user', type: 'CLOSE' },
      {
        kind: 'segment',
        flags: Flag.FIN | Flag.ACK,
        dSeq: 0,
        ackAll: false,
        dAck: 1,
        len: 0,
        win: 65_535,
        synSeq: 0,
      },
      { kind: 'timer', type: 'TIME_WAIT' },
    ];
    // SYN-ACK's seq must be the peer's ISN; the SYN_SENT TCB has rcvNxt 0, so dSeq = ISN.
    (steps[1] as { dSeq: number }).dSeq = 5000;
    expect(
      runBoth(
        'linux',
        1000,
        steps.map((step) => ({ step, dt: 10 })),
      ),
    ).toEqual(['CLOSED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'TIME_WAIT', 'CLOSED']);
  });
});
