/**
 * The fault model as composable, synchronous RxJS operators over {@link Packet}s.
 *
 * Time is virtual: no operator waits, schedules or reads a clock. Faults only decide whether a
 * packet survives and rewrite its `deliverAt`; the coordinator delivers packets when its virtual
 * clock reaches that time. All randomness comes from `ctx.rng`, and all state that must survive
 * between `transmit` calls (Gilbert–Elliott state, link busy time, targeted match counters)
 * lives in the context rather than in the operators, so operators can be rebuilt freely.
 */
import { FLAG_NAMES, flagsFromNames, payloadLength } from '@synack/core';
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
import type {
  BurstLossModel,
  DropReason,
  FaultModel,
  NetworkConfig,
  Packet,
  PacketMatcher,
  TargetedFault,
} from './types.js';

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
    state = { burstBad: false, busyUntil: -Infinity, queuedStarts: [] };
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
 */
export function delayAndJitter(
  model: Pick<FaultModel, 'delay' | 'jitter'>,
  ctx: FaultContext,
): PacketOperator {
  const delay = model.delay ?? DEFAULT_DELAY;
  const jitter = model.jitter;
  return map((packet) => {
    const extra = isPositive(jitter) ? drawJitter(ctx.rng, jitter) : 0;
    return { ...packet, deliverAt: packet.deliverAt + delay + extra };
  });
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

// ---------------------------------------------------------------------------------------------
// Validation

const MODEL_KEYS = new Set([
  'loss',
  'burstLoss',
  'reorder',
  'reorderDelay',
  'duplicate',
  'delay',
  'jitter',
  'bandwidth',
  'queueLimit',
]);
const BURST_KEYS = new Set(['pGoodToBad', 'pBadToGood', 'lossGood', 'lossBad']);
const MATCHER_KEYS = new Set(['from', 'to', 'flags', 'exactFlags', 'senderState', 'minLen', 'nth']);
const FAULT_KEYS = new Set(['match', 'action', 'label']);
const CONFIG_KEYS = new Set(['default', 'links', 'faults']);
const FLAG_NAME_SET = new Set<string>(FLAG_NAMES);

function show(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function fail(path: string, expected: string, value: unknown): never {
  throw new Error(`${path} must be ${expected}, got ${show(value)}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkRecord(value: unknown, path: string, allowed: Set<string>): Record<string, unknown> {
  if (!isRecord(value)) fail(path, 'an object', value);
  for (const key of Object.keys(value)) {
    // Unknown keys are almost always typos ("jiter"), which would otherwise silently do nothing.
    if (!allowed.has(key))
      throw new Error(`${path}.${key} is not a known field (known: ${[...allowed].join(', ')})`);
  }
  return value;
}

function checkProbability(value: unknown, path: string, required = false): void {
  if (value === undefined && !required) return;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) fail(path, 'a number in [0, 1]', value);
}

function checkNonNegative(value: unknown, path: string): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    fail(path, 'a finite number >= 0', value);
}

function checkModel(value: unknown, path: string): void {
  const model = checkRecord(value, path, MODEL_KEYS);
  for (const key of ['loss', 'reorder', 'duplicate']) checkProbability(model[key], `${path}.${key}`);
  for (const key of ['delay', 'jitter', 'reorderDelay']) checkNonNegative(model[key], `${path}.${key}`);
  const { bandwidth, queueLimit, burstLoss } = model;
  if (
    bandwidth !== undefined &&
    (typeof bandwidth !== 'number' || !Number.isFinite(bandwidth) || bandwidth <= 0)
  ) {
    fail(`${path}.bandwidth`, 'a finite number > 0 (bytes per second)', bandwidth);
  }
  if (queueLimit !== undefined) {
    if (typeof queueLimit !== 'number' || !Number.isInteger(queueLimit) || queueLimit < 1) {
      fail(`${path}.queueLimit`, 'an integer >= 1', queueLimit);
    }
    if (bandwidth === undefined)
      throw new Error(`${path}.queueLimit needs ${path}.bandwidth (no queue without it)`);
  }
  if (burstLoss !== undefined) {
    const burst = checkRecord(burstLoss, `${path}.burstLoss`, BURST_KEYS);
    checkProbability(burst.pGoodToBad, `${path}.burstLoss.pGoodToBad`, true);
    checkProbability(burst.pBadToGood, `${path}.burstLoss.pBadToGood`, true);
    checkProbability(burst.lossGood, `${path}.burstLoss.lossGood`);
    checkProbability(burst.lossBad, `${path}.burstLoss.lossBad`);
  }
}

function checkFlagList(value: unknown, path: string): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) fail(path, 'an array of flag names', value);
  value.forEach((name, i) => {
    if (typeof name !== 'string' || !FLAG_NAME_SET.has(name)) {
      fail(`${path}[${i}]`, `one of ${[...FLAG_NAME_SET].join(', ')}`, name);
    }
  });
}

function checkOptionalString(value: unknown, path: string): void {
  if (value !== undefined && typeof value !== 'string') fail(path, 'a string', value);
}

function checkFault(value: unknown, path: string): void {
  const fault = checkRecord(value, path, FAULT_KEYS);
  checkOptionalString(fault.label, `${path}.label`);
  if (typeof fault.match !== 'function') {
    const match = checkRecord(fault.match, `${path}.match`, MATCHER_KEYS);
    checkOptionalString(match.from, `${path}.match.from`);
    checkOptionalString(match.to, `${path}.match.to`);
    checkOptionalString(match.senderState, `${path}.match.senderState`);
    checkFlagList(match.flags, `${path}.match.flags`);
    checkFlagList(match.exactFlags, `${path}.match.exactFlags`);
    checkNonNegative(match.minLen, `${path}.match.minLen`);
    const { nth } = match;
    if (nth !== undefined && (typeof nth !== 'number' || !Number.isInteger(nth) || nth < 0)) {
      fail(`${path}.match.nth`, 'an integer >= 0 (0 = every match)', nth);
    }
  }
  const action = fault.action;
  const actionPath = `${path}.action`;
  if (!isRecord(action)) fail(actionPath, 'an object', action);
  const keys = Object.keys(action);
  if (keys.length !== 1 || !['drop', 'delay', 'duplicate'].includes(keys[0])) {
    fail(actionPath, 'exactly one of { drop: true }, { delay: ms }, { duplicate: true }', action);
  }
  if (keys[0] === 'delay') {
    const { delay } = action;
    if (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0) {
      fail(`${actionPath}.delay`, 'a finite number >= 0', delay);
    }
  } else if (action[keys[0]] !== true) fail(`${actionPath}.${keys[0]}`, 'true', action[keys[0]]);
}

/**
 * Throws an Error naming the offending field path (e.g.
 * `links.client->server.loss must be a number in [0, 1], got 1.5`).
 */
export function validateNetworkConfig(config: unknown): asserts config is NetworkConfig {
  const root = checkRecord(config, 'config', CONFIG_KEYS);
  if (root.default !== undefined) checkModel(root.default, 'default');
  if (root.links !== undefined) {
    if (!isRecord(root.links)) fail('links', 'an object keyed by "from->to"', root.links);
    for (const [key, model] of Object.entries(root.links)) {
      const ends = key.split('->');
      if (ends.length !== 2 || ends[0] === '' || ends[1] === '') {
        throw new Error(`links key "${key}" must look like "from->to"`);
      }
      checkModel(model, `links.${key}`);
    }
  }
  if (root.faults !== undefined) {
    if (!Array.isArray(root.faults)) fail('faults', 'an array', root.faults);
    for (const [i, fault] of root.faults.entries()) checkFault(fault, `faults[${i}]`);
  }
}
