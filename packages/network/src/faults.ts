/**
 * The fault model as composable, synchronous RxJS operators over {@link Packet}s.
 *
 * Time is virtual: no operator waits, schedules or reads a clock. Faults only decide whether a
 * packet survives and rewrite its `deliverAt`; the coordinator delivers packets when its virtual
 * clock reaches that time. All randomness comes from `ctx.rng`, and all state that must survive
 * between `transmit` calls (Gilbert–Elliott state, link busy time, targeted match counters)
 * lives in the context rather than in the operators, so operators can be rebuilt freely.
 */
import { flagsFromNames, payloadLength } from '@synack/core';
import {
  concatMap,
  EMPTY,
  filter,
  from,
  map,
  mergeMap,
  type OperatorFunction,
  of,
  pipe,
  Subject,
} from 'rxjs';
import type { Rng } from './prng.js';
import {
  type BurstLossModel,
  type DelayDistribution,
  type FaultModel,
  LIMITS,
  type NetworkConfig,
  type PacketMatcher,
  type TargetedFault,
} from './schema.js';
import type { DropReason, Packet } from './types.js';
import { validateNetworkConfig } from './validate.js';

/**
 * `packet` is the packet as it was at the stage that produced the event (a scripted copy, for
 * instance, has not been through the link stages yet); look it up in `scheduled` by id for its
 * final `deliverAt`.
 */
export type FaultEvent =
  | {
      kind: 'drop';
      packet: Packet;
      reason: DropReason;
      /** The label of the targeted fault that dropped it, when it had one. */
      label?: string;
    }
  | {
      kind: 'duplicate';
      /** The copy. */
      packet: Packet;
      original: Packet;
    };

/** Mutable per-direction state, keyed by {@link linkKey}. */
export interface LinkRuntimeState {
  /** Gilbert–Elliott state; every link starts in the good state. */
  burstBad: boolean;
  /** Virtual ms at which the link finishes serialising everything accepted so far. */
  busyUntil: number;
  /** Serialisation start times of accepted packets that had to wait; pruned lazily. */
  queuedStarts: number[];
  /**
   * Latest propagation-plus-jitter arrival given to a packet on this link (targeted delays not
   * included): jitter never lets a packet overtake one sent before it on the same link.
   */
  jitteredUntil: number;
}

export interface FaultContext {
  readonly rng: Rng;
  /** Virtual ms of the `transmit` call, for custom operators and predicates. */
  now: number;
  emit(event: FaultEvent): void;
  /** Allocates packet ids for copies, so they interleave with the coordinator's ids deterministically. */
  nextId(): number;
  readonly linkState: Map<string, LinkRuntimeState>;
  /**
   * Matches seen so far per targeted fault (by object identity), so `nth` counts across
   * `transmit` calls. The same fault object listed twice shares one counter.
   */
  readonly matchCounts: Map<TargetedFault, number>;
}

export type PacketOperator = OperatorFunction<Packet, Packet>;

export const DEFAULT_DELAY = 10;
/** Bytes added to the payload for serialisation time: IPv4 (20) + TCP (20) headers without options. */
export const HEADER_BYTES = 40;

export function linkKey(from: string, to: string): string {
  return `${from}->${to}`;
}

/**
 * The fault model of the direction `from -> to`. A `links` entry replaces `default` entirely
 * (no field-by-field merge), so a link can be made perfect with `{}` even when the default is lossy.
 */
export function modelFor(config: NetworkConfig, from: string, to: string): FaultModel {
  return config.links?.[linkKey(from, to)] ?? config.default ?? {};
}

export function linkStateFor(ctx: Pick<FaultContext, 'linkState'>, packet: Packet): LinkRuntimeState {
  const key = linkKey(packet.from, packet.to);
  let state = ctx.linkState.get(key);
  if (!state) {
    state = { burstBad: false, busyUntil: -Infinity, queuedStarts: [], jitteredUntil: -Infinity };
    ctx.linkState.set(key, state);
  }
  return state;
}

/**
 * Whole milliseconds when `jitter` is an integer, so that traces keep integral timestamps;
 * continuous otherwise. One draw either way.
 */
function drawJitter(rng: Rng, jitter: number): number {
  return Number.isInteger(jitter) ? rng.int(0, jitter) : rng.next() * jitter;
}

function isPositive(p: number | undefined): p is number {
  return p !== undefined && p > 0;
}

function makeCopy(packet: Packet, ctx: FaultContext, deliverAt: number): Packet {
  const copy: Packet = { ...packet, id: ctx.nextId(), duplicateOf: packet.id, deliverAt };
  ctx.emit({ kind: 'duplicate', packet: copy, original: packet });
  return copy;
}

// ---------------------------------------------------------------------------------------------
// Targeted faults

function matchesDeclarative(m: PacketMatcher, packet: Packet): boolean {
  if (m.from !== undefined && packet.from !== m.from) return false;
  if (m.to !== undefined && packet.to !== m.to) return false;
  if (m.flags !== undefined) {
    const required = flagsFromNames(m.flags);
    if ((packet.segment.flags & required) !== required) return false;
  }
  if (m.exactFlags !== undefined && packet.segment.flags !== flagsFromNames(m.exactFlags)) return false;
  if (m.senderState !== undefined && packet.senderState !== m.senderState) return false;
  if (m.minLen !== undefined && payloadLength(packet.segment) < m.minLen) return false;
  return true;
}

/**
 * Whether `fault` hits `packet`, advancing its match counter. A predicate hits on every packet it
 * accepts (it can count for itself); a declarative matcher hits only on its `nth` match
 * (1 = first, default; 0 = every match).
 */
function hits(fault: TargetedFault, packet: Packet, ctx: FaultContext): boolean {
  if (typeof fault.match === 'function') return fault.match(packet);
  if (!matchesDeclarative(fault.match, packet)) return false;
  const count = (ctx.matchCounts.get(fault) ?? 0) + 1;
  ctx.matchCounts.set(fault, count);
  const nth = fault.match.nth ?? 1;
  return nth === 0 || count === nth;
}

/**
 * Applies scripted faults. Every fault sees every packet entering the stage, even one that an
 * earlier fault drops, so `nth` means "the nth matching packet the sender put on the wire" and
 * does not depend on the order of the faults. If any hit fault drops the packet it is dropped
 * (reason `targeted: <label>` of the first such fault); otherwise delays add up and each
 * duplicate action adds one copy that then goes through the remaining stages like any packet.
 * Consumes no random draws.
 */
export function targetedFaults(faults: readonly TargetedFault[], ctx: FaultContext): PacketOperator {
  if (faults.length === 0) return pipe();
  return mergeMap((packet) => {
    const hit = faults.filter((fault) => hits(fault, packet, ctx));
    if (hit.length === 0) return of(packet);
    const dropper = hit.find((fault) => 'drop' in fault.action);
    if (dropper) {
      const reason = dropper.label ? `targeted: ${dropper.label}` : 'targeted';
      ctx.emit({ kind: 'drop', packet, reason, ...(dropper.label ? { label: dropper.label } : {}) });
      return EMPTY;
    }
    let extra = 0;
    for (const fault of hit) if ('delay' in fault.action) extra += fault.action.delay;
    const delayed: Packet = extra > 0 ? { ...packet, deliverAt: packet.deliverAt + extra } : packet;
    const copies = hit
      .filter((fault) => 'duplicate' in fault.action)
      .map(() => makeCopy(delayed, ctx, delayed.deliverAt));
    return from([delayed, ...copies]);
  });
}

// ---------------------------------------------------------------------------------------------
// Random faults of one link direction

/** Independent loss; one draw per packet when `loss > 0`. */
export function bernoulliLoss(model: Pick<FaultModel, 'loss'>, ctx: FaultContext): PacketOperator {
  const p = model.loss;
  if (!isPositive(p)) return pipe();
  return filter((packet) => {
    if (!ctx.rng.chance(p)) return true;
    ctx.emit({ kind: 'drop', packet, reason: 'loss' });
    return false;
  });
}

/**
 * Gilbert–Elliott burst loss, state per link in `ctx.linkState`. For each packet the loss is
 * decided in the current state, then the state transitions; so the number of consecutive packets
 * in the bad state is geometric with mean 1 / pBadToGood. Two draws per packet (loss, then
 * transition) whenever `burstLoss` is defined, whatever the probabilities.
 */
export function gilbertElliottLoss(burst: BurstLossModel | undefined, ctx: FaultContext): PacketOperator {
  if (burst === undefined) return pipe();
  const lossGood = burst.lossGood ?? 0;
  const lossBad = burst.lossBad ?? 1;
  return filter((packet) => {
    const state = linkStateFor(ctx, packet);
    const lost = ctx.rng.chance(state.burstBad ? lossBad : lossGood);
    if (ctx.rng.chance(state.burstBad ? burst.pBadToGood : burst.pGoodToBad))
      state.burstBad = !state.burstBad;
    if (!lost) return true;
    ctx.emit({ kind: 'drop', packet, reason: 'burst-loss' });
    return false;
  });
}

/**
 * Adds the propagation delay plus uniform jitter in [0, jitter] to `deliverAt`. The pipeline
 * starts every packet at `deliverAt = sentAt`, so this yields sentAt + delay + jitter (plus any
 * targeted delay). One draw per packet when `jitter > 0`.
 *
 * Jitter keeps each link's order (first in, first out): a packet arrives no earlier than the one
 * sent before it on the same link, as delay variation from queues along one path does (a drawn
 * arrival earlier than its predecessor's is raised to it). Reordering is the `reorder` fault's
 * job alone; with per-packet independent jitter, every burst of back-to-back segments would
 * arrive shuffled, which no FIFO path does and which makes RACK resend segments that were only
 * late (RFC 8985 §6.2: the reordering window is 0 until reordering has been seen).
 */
export function delayAndJitter(
  model: Pick<FaultModel, 'delay' | 'jitter' | 'delayDistribution'>,
  ctx: FaultContext,
): PacketOperator {
  const distribution = model.delayDistribution;
  const delay = model.delay ?? DEFAULT_DELAY;
  const jitter = model.jitter;
  if (distribution === undefined && !isPositive(jitter)) {
    return map((packet) => ({ ...packet, deliverAt: packet.deliverAt + delay }));
  }
  // A drawn delay (a distribution's, or delay + jitter) keeps the link's order, as above.
  const draw = distribution
    ? () => drawDelay(ctx.rng, distribution)
    : () => delay + drawJitter(ctx.rng, jitter!);
  return map((packet) => {
    const state = linkStateFor(ctx, packet);
    const drawn = packet.sentAt + draw();
    const arrival = Math.max(drawn, state.jitteredUntil);
    state.jitteredUntil = arrival;
    return { ...packet, deliverAt: packet.deliverAt + (arrival - packet.sentAt) };
  });
}

/** Draws are kept to whole microseconds (1000 per ms), so traces print short times. */
const DRAWS_PER_MS = 1000;

/**
 * One delay from `distribution`, in ms, clamped to [0, LIMITS.linkMs] and rounded to whole
 * microseconds. Inverse-CDF sampling (one draw) for uniform, exponential and Pareto; Box–Muller
 * (two draws, the cosine branch) for normal, so the number of draws per packet is fixed by the
 * shape alone and never by the values drawn.
 */
export function drawDelay(rng: Rng, distribution: DelayDistribution): number {
  let ms: number;
  switch (distribution.kind) {
    case 'uniform':
      ms = distribution.min + rng.next() * (distribution.max - distribution.min);
      break;
    case 'normal': {
      // 1 - next() is in (0, 1]: log never sees 0.
      const radius = Math.sqrt(-2 * Math.log(1 - rng.next()));
      ms = distribution.mean + distribution.sd * radius * Math.cos(2 * Math.PI * rng.next());
      break;
    }
    case 'exponential':
      ms = -distribution.mean * Math.log(1 - rng.next());
      break;
    case 'pareto':
      ms = distribution.scale / (1 - rng.next()) ** (1 / distribution.shape);
      break;
  }
  const clamped = Math.min(LIMITS.linkMs, Math.max(0, ms));
  return Math.round(clamped * DRAWS_PER_MS) / DRAWS_PER_MS;
}

/**
 * Serialisation at `bandwidth` bytes/s with a FIFO per link: a packet reaches the link at
 * `sentAt`, starts once the link is free, occupies it for (40 + payload) / bandwidth and then
 * still needs its propagation delay (whatever the earlier stages added to `deliverAt`).
 * A packet that finds the link idle is never dropped; one that has to wait is tail-dropped
 * (`queue-full`) when `queueLimit` packets are already waiting. No draws.
 *
 * Waiting packets are counted as of the new packet's `sentAt`, so this assumes `sentAt` does not
 * go backwards on a link, which holds for packets handed over in emission order.
 */
export function bandwidthQueue(
  model: Pick<FaultModel, 'bandwidth' | 'queueLimit'>,
  ctx: FaultContext,
): PacketOperator {
  const { bandwidth, queueLimit } = model;
  if (!isPositive(bandwidth)) return pipe();
  return mergeMap((packet) => {
    const state = linkStateFor(ctx, packet);
    const arrival = packet.sentAt;
    const start = Math.max(arrival, state.busyUntil);
    if (start > arrival) {
      state.queuedStarts = state.queuedStarts.filter((t) => t > arrival);
      if (queueLimit !== undefined && state.queuedStarts.length >= queueLimit) {
        ctx.emit({ kind: 'drop', packet, reason: 'queue-full' });
        return EMPTY;
      }
      state.queuedStarts.push(start);
    }
    const finish = start + ((HEADER_BYTES + payloadLength(packet.segment)) * 1000) / bandwidth;
    state.busyUntil = finish;
    const propagation = packet.deliverAt - packet.sentAt;
    return of({ ...packet, deliverAt: finish + propagation });
  });
}

/**
 * Holds a packet back by `reorderDelay` (default max(1, 2 × (delay + jitter))) with probability
 * `reorder`, so packets sent just after it overtake it. One draw per packet when `reorder > 0`.
 */
export function reordering(
  model: Pick<FaultModel, 'reorder' | 'reorderDelay' | 'delay' | 'jitter'>,
  ctx: FaultContext,
): PacketOperator {
  const p = model.reorder;
  if (!isPositive(p)) return pipe();
  const hold = model.reorderDelay ?? Math.max(1, 2 * ((model.delay ?? DEFAULT_DELAY) + (model.jitter ?? 0)));
  return map((packet) =>
    ctx.rng.chance(p) ? { ...packet, deliverAt: packet.deliverAt + hold, reordered: true } : packet,
  );
}

/**
 * With probability `duplicate`, also delivers a copy (new id from `ctx.nextId()`, `duplicateOf`
 * set) at the original's `deliverAt` plus uniform [0, jitter]. One draw per packet when
 * `duplicate > 0`, plus one for the copy's offset when `jitter > 0`. A packet that is already a
 * copy is never copied again, so scripted duplicates do not cascade.
 */
export function duplication(
  model: Pick<FaultModel, 'duplicate' | 'jitter'>,
  ctx: FaultContext,
): PacketOperator {
  const p = model.duplicate;
  if (!isPositive(p)) return pipe();
  const jitter = model.jitter;
  return concatMap((packet) => {
    if (packet.duplicateOf !== undefined || !ctx.rng.chance(p)) return of(packet);
    const offset = isPositive(jitter) ? drawJitter(ctx.rng, jitter) : 0;
    return of(packet, makeCopy(packet, ctx, packet.deliverAt + offset));
  });
}

/** All random faults of one direction, in the pipeline's fixed stage order. */
export function linkFaults(model: FaultModel, ctx: FaultContext): PacketOperator {
  return pipe(
    bernoulliLoss(model, ctx),
    gilbertElliottLoss(model.burstLoss, ctx),
    delayAndJitter(model, ctx),
    bandwidthQueue(model, ctx),
    reordering(model, ctx),
    duplication(model, ctx),
  );
}

/**
 * Routes each packet through the operator built for its direction's model (see {@link modelFor}).
 * Packets are handled one at a time in arrival order, each to completion, which keeps the order of
 * random draws fixed.
 */
export function perLink(
  config: NetworkConfig,
  make: (model: FaultModel, link: string) => PacketOperator,
): PacketOperator {
  const built = new Map<string, PacketOperator>();
  return concatMap((packet) => {
    const key = linkKey(packet.from, packet.to);
    let operator = built.get(key);
    if (!operator) {
      operator = make(modelFor(config, packet.from, packet.to), key);
      built.set(key, operator);
    }
    return of(packet).pipe(operator);
  });
}

// ---------------------------------------------------------------------------------------------
// Pipeline

export interface FaultPipeline {
  /**
   * Pushes `packets` (already carrying their ids, in emission order) through the faults.
   * `deliverAt` of the input is ignored. `scheduled` is sorted by (deliverAt, id).
   */
  transmit(packets: readonly Packet[], now: number, nextId: () => number): TransmitResult;
}

export interface TransmitResult {
  scheduled: Packet[];
  events: FaultEvent[];
}

/**
 * Validates `config` and returns a pipeline whose link state and match counters persist across
 * `transmit` calls. Stages: targeted faults, Bernoulli loss, burst loss, delay + jitter, bandwidth
 * queue, reordering, duplication.
 *
 * Random draws happen in a fixed order: packets in array order, each through every stage before
 * the next packet starts (a scripted copy right after its original); a stage draws only when its
 * probability field is defined and > 0 (`burstLoss`: whenever defined; `jitter > 0` for jitter),
 * and a dropped packet draws nothing in later stages. Input packets are never mutated.
 */
export function createFaultPipeline(config: NetworkConfig, rng: Rng): FaultPipeline {
  validateNetworkConfig(config);
  // The operator chains are built once and fed through Subjects: building (and subscribing)
  // a chain per packet or per instant cost more than the faults themselves. Everything that
  // changes per call lives in `ctx` and the result arrays, read at call time by the operators.
  let scheduled: Packet[] = [];
  let events: FaultEvent[] = [];
  let allocate: () => number = () => {
    throw new Error('fault pipeline used outside transmit()');
  };
  let failure: { error: unknown } | undefined;
  const ctx: FaultContext = {
    rng,
    now: 0,
    emit: (event) => events.push(event),
    nextId: () => allocate(),
    linkState: new Map<string, LinkRuntimeState>(),
    matchCounts: new Map<TargetedFault, number>(),
  };
  const onError = (error: unknown) => {
    failure ??= { error };
  };
  const links = new Map<string, Subject<Packet>>();
  const linkInput = (packet: Packet): Subject<Packet> => {
    const key = linkKey(packet.from, packet.to);
    let subject = links.get(key);
    if (!subject) {
      subject = new Subject<Packet>();
      subject.pipe(linkFaults(modelFor(config, packet.from, packet.to), ctx)).subscribe({
        next: (out) => scheduled.push(out),
        error: onError,
      });
      links.set(key, subject);
    }
    return subject;
  };
  const input = new Subject<Packet>();
  input.pipe(targetedFaults(config.faults ?? [], ctx)).subscribe({
    next: (packet) => linkInput(packet).next(packet),
    error: onError,
  });

  return {
    transmit(packets, now, nextId) {
      scheduled = [];
      events = [];
      allocate = nextId;
      ctx.now = now;
      for (const packet of packets) {
        input.next({ ...packet, deliverAt: packet.sentAt });
        // Rethrow so that a throwing predicate is not swallowed (the pipeline is dead after it).
        if (failure) throw failure.error;
      }
      scheduled.sort((a, b) => a.deliverAt - b.deliverAt || a.id - b.id);
      return { scheduled, events };
    },
  };
}
