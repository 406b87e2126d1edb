/**
 * The coordinator: owns virtual time and carries segments between the endpoints through the
 * RxJS fault pipeline.
 *
 * Conservative discrete-event synchronisation: the next instant is the earliest pending delivery
 * or endpoint timer; every endpoint with something to do gets ONE message (all its deliveries
 * batched) and the coordinator waits for all replies before it looks at them, in endpoint order.
 * Packets get ids and go through the fault pipeline (one seeded PRNG) in that fixed order, so the
 * trace does not depend on thread scheduling.
 */
import type { Segment } from '@synack/core';
import { DeliveryQueue } from './delivery-queue.js';
import type { SerializedInspection, TimedRecord, WindowOutput } from './endpoint.js';
import { createFaultPipeline, DEFAULT_DELAY, type FaultEvent, type FaultPipeline } from './faults.js';
import type { Driver } from './placement.js';
import { createRng } from './prng.js';
import { endpointAddresses, type FaultModel, type NetworkConfig, type SimulationConfig } from './schema.js';
import type { TraceRecorder } from './trace-recorder.js';
import type { Packet } from './types.js';

/** What the coordinator needs from RunOptions. */
export interface CoordinatorHooks {
  beforeStep?: (t: number) => Promise<void> | void;
  onInspect?: (endpoint: string, event: SerializedInspection, t: number) => void;
  onPacket?: (t: number, packet: Packet) => void;
  onDeliver?: (t: number, packet: Packet) => void;
  lookahead?: boolean;
  crash?: { endpoint: string; at: number };
  signal?: AbortSignal;
}

/** When a run must stop although work remains. */
export interface RunLimits {
  maxTime: number;
  wallTimeout: number;
  /** performance.now() when the run started. */
  wallStart: number;
  /** Resident-set bytes above which the run stops (LIMITS.memoryBytes by default). */
  memoryBudget: number;
}

type Deliveries = Array<Array<{ t: number; seg: Segment }>>;

/** Smallest one-way delay a link's packets can have: its base delay, or its distribution's lower bound. */
function linkMinimumDelay(model: FaultModel | undefined): number {
  const distribution = model?.delayDistribution;
  if (distribution === undefined) return model?.delay ?? DEFAULT_DELAY;
  // Draws are rounded to whole microseconds (faults.ts drawDelay): a bound between two rounds down.
  if (distribution.kind === 'uniform') return Math.floor(distribution.min * 1000) / 1000;
  if (distribution.kind === 'pareto') return Math.floor(distribution.scale * 1000) / 1000;
  // Normal draws are truncated at 0 and exponential ones start there.
  return 0;
}

/** Smallest one-way delay any packet can have: over the default and every link. */
export function minimumDelay(network: NetworkConfig): number {
  let min = linkMinimumDelay(network.default);
  for (const model of Object.values(network.links ?? {})) min = Math.min(min, linkMinimumDelay(model));
  return Math.max(0, min);
}

export class Coordinator {
  /** The last instant processed (the summary's `t`). */
  now = 0;
  private readonly queue = new DeliveryQueue();
  private readonly pipeline: FaultPipeline;
  private readonly nextTimer: Array<number | null>;
  private readonly indexOf: Map<string, number>;
  private readonly addressToId: Map<string, string>;
  private nextPacketId = 1;
  private readonly allocateId = () => this.nextPacketId++;
  private crashed = false;
  /** The lookahead window's length; 0 (lockstep) for realtime pacing and step-by-step control. */
  private readonly window: number;

  constructor(
    private readonly config: SimulationConfig,
    private readonly drivers: readonly Driver[],
    private readonly recorder: TraceRecorder,
    private readonly hooks: CoordinatorHooks,
    private readonly limits: RunLimits,
  ) {
    this.pipeline = createFaultPipeline(config.network ?? {}, createRng(config.seed));
    this.nextTimer = drivers.map(() => null);
    this.indexOf = new Map(config.endpoints.map((e, i) => [e.id, i]));
    this.addressToId = new Map([...endpointAddresses(config.endpoints)].map(([id, addr]) => [addr, id]));
    // Realtime pacing and step-by-step control (inspectors) need one instant at a time.
    const lockstep = Boolean(config.realtime) || hooks.beforeStep !== undefined || hooks.lookahead === false;
    this.window = lockstep ? 0 : minimumDelay(config.network ?? {});
  }

  /** Runs to quiescence; resolves with why it stopped early, or undefined. */
  async run(): Promise<string | undefined> {
    try {
      const starts = await Promise.all(this.drivers.map((d) => d.start()));
      starts.forEach((next, i) => {
        this.nextTimer[i] = next;
      });
      for (;;) {
        if (this.hooks.signal?.aborted) return 'run aborted';
        const t = this.nextInstant();
        if (t === Number.POSITIVE_INFINITY) return undefined; // quiescent: nothing in flight, no timer anywhere
        const limit = this.limitAt(t);
        if (limit) return limit;
        await this.runWindow(t);
      }
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }

  private nextInstant(): number {
    let t = this.queue.peekTime() ?? Number.POSITIVE_INFINITY;
    for (const next of this.nextTimer) if (next !== null && next < t) t = next;
    return t;
  }

  /** What is due at `t`: the endpoints whose timer fires then, or a segment in flight. */
  private pendingAt(t: number): string {
    const ids = [...this.indexOf.keys()];
    const timers = ids.filter((_, i) => this.nextTimer[i] === t);
    const parts = timers.length > 0 ? [`a timer of ${timers.join(', ')}`] : [];
    if (this.queue.peekTime() === t) parts.push('a segment in flight');
    return parts.join(' and ');
  }

  private limitAt(t: number): string | undefined {
    const { maxTime, wallTimeout, wallStart } = this.limits;
    if (t > maxTime) {
      return `virtual-time limit of ${maxTime} ms reached (next event at ${t} ms: ${this.pendingAt(t)}): raise maxTime (synack --max-time) or look for a connection that never closes`;
    }
    // wall-clock: enforce the wall-clock limit.
    if (performance.now() - wallStart > wallTimeout) {
      return `wall-clock limit of ${wallTimeout} ms reached at virtual time ${this.now} ms`;
    }
    return this.memoryOverBudget();
  }

  /**
   * The memory budget: stop cleanly before the process runs out of memory (a flood of many
   * thousand connections, a trace of millions of events). Resident set of the whole process,
   * workers included; a run under the budget never sees this check.
   */
  private memoryOverBudget(): string | undefined {
    const rss = process.memoryUsage.rss();
    const budget = this.limits.memoryBudget;
    if (rss <= budget) return undefined;
    const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
    return `memory budget of ${mb(budget)} exceeded (${mb(rss)} in use) at virtual time ${this.now} ms: the run holds too many connections or trace events; use fewer (or a shorter maxTime)`;
  }

  /**
   * Lookahead (conservative synchronisation): nothing sent at or after t can arrive before t + L,
   * L the smallest one-way delay of any link, so every endpoint may process all of its own
   * instants in [t, t + L) without waiting for the others. Lockstep is L = 0.
   */
  private async runWindow(t: number): Promise<void> {
    const until = this.window > 0 ? Math.min(t + this.window, this.limits.maxTime) : t;
    const inWindow = (x: number) => x === t || x < until;
    if (this.config.realtime) await paceTo(this.limits.wallStart, t, this.config.realtime);
    await this.hooks.beforeStep?.(t);
    this.now = t;
    const { delivered, deliveries } = this.dueDeliveries(inWindow);
    this.crashIfDue(t);
    const outputs = await Promise.all(
      this.drivers.map((driver, i) =>
        deliveries[i].length > 0 || (this.nextTimer[i] !== null && inWindow(this.nextTimer[i]!))
          ? driver.runWindow(t, until, deliveries[i])
          : Promise.resolve(undefined),
      ),
    );
    outputs.forEach((output, i) => {
      if (!output) return;
      this.nextTimer[i] = output.next;
      // The last instant anything happened, even what quiet workers did not report.
      if (output.last !== null && output.last > this.recorder.stats.endTime)
        this.recorder.stats.endTime = output.last;
      if (output.last !== null && output.last > this.now) this.now = output.last;
    });
    this.replay(delivered, outputs);
  }

  /** Deliveries due in the window, in (deliverAt, id) order, grouped by destination. */
  private dueDeliveries(inWindow: (t: number) => boolean): { delivered: Packet[]; deliveries: Deliveries } {
    const delivered: Packet[] = [];
    const deliveries: Deliveries = this.drivers.map(() => []);
    while (this.queue.size > 0 && inWindow(this.queue.peekTime()!)) {
      const packet = this.queue.pop()!;
      delivered.push(packet);
      deliveries[this.indexOf.get(packet.to)!].push({ t: packet.deliverAt, seg: packet.segment });
    }
    return { delivered, deliveries };
  }

  private crashIfDue(t: number): void {
    const crash = this.hooks.crash;
    if (!crash || this.crashed || t < crash.at) return;
    this.drivers.find((d) => d.id === crash.endpoint)?.crash();
    this.crashed = true;
  }

  /**
   * Replays the window instant by instant, exactly as lockstep would have: deliveries first, then
   * each endpoint's records in endpoint order; packets get ids and meet the fault pipeline (and
   * its PRNG) in that order. Deliveries and every endpoint's records are each in time order, so
   * the instants come from merging them (no set, sort or per-instant slices on the hot path).
   */
  private replay(delivered: readonly Packet[], outputs: ReadonlyArray<WindowOutput | undefined>): void {
    const cursor: number[] = outputs.map(() => 0);
    let di = 0;
    for (;;) {
      let instant = di < delivered.length ? delivered[di].deliverAt : Number.POSITIVE_INFINITY;
      for (let i = 0; i < outputs.length; i++) {
        const records = outputs[i]?.records;
        if (records && cursor[i] < records.length && records[cursor[i]].t < instant)
          instant = records[cursor[i]].t;
      }
      if (instant === Number.POSITIVE_INFINITY) return;
      this.recorder.stats.steps++;
      for (; di < delivered.length && delivered[di].deliverAt === instant; di++) {
        this.recorder.delivered(instant, delivered[di]);
        this.hooks.onDeliver?.(instant, delivered[di]);
      }
      this.processInstant(instant, this.collect(instant, outputs, cursor));
    }
  }

  /** Everything the endpoints did at one instant: build packets, run faults, record the trace. */
  private processInstant(t: number, ordered: readonly OrderedRecord[]): void {
    // Indexed loops: this runs for every record, and iterator objects add up.
    const packets: Packet[] = [];
    for (let i = 0; i < ordered.length; i++) {
      const o = ordered[i];
      if (o.packet && o.routed) packets.push(o.packet);
    }
    const { scheduled, events } = packets.length
      ? this.pipeline.transmit(packets, t, this.allocateId)
      : { scheduled: [] as Packet[], events: [] as FaultEvent[] };
    // Only faults and a trace read these lookups: a lossless run without a trace builds neither.
    const faultsByPacket = events.length > 0 ? faultsOf(events) : NO_FAULTS_BY_PACKET;
    const scheduledById = this.recorder.tracing ? packetsById(scheduled) : NO_PACKETS_BY_ID;
    for (let i = 0; i < ordered.length; i++) {
      const { endpoint, record, packet, routed } = ordered[i];
      if (record.k === 'seg') {
        this.hooks.onPacket?.(t, packet!);
        this.recorder.sent(t, endpoint, {
          packet: packet!,
          conn: record.conn,
          retransmit: record.retransmit,
          cause: record.cause,
          routed,
          faults: faultsByPacket.get(packet!.id) ?? NO_FAULTS,
          scheduled: scheduledById,
        });
      } else if (record.k === 'inspect') {
        this.hooks.onInspect?.(endpoint, record.ev, t);
      } else if (record.k === 'drop') {
        const from = this.addressToId.get(record.seg.srcAddr) ?? record.seg.srcAddr;
        this.recorder.hostDropped(t, endpoint, from, record);
      } else {
        this.recorder.happened(t, endpoint, record);
      }
    }
    for (let i = 0; i < scheduled.length; i++) this.queue.push(scheduled[i]);
    if ((packets.length || ordered.length) && t > this.recorder.stats.endTime)
      this.recorder.stats.endTime = t;
  }

  /**
   * Every endpoint's records of instant t in endpoint order (advancing each endpoint's cursor past
   * them), each segment made a packet (ids in that order).
   */
  private collect(
    t: number,
    outputs: ReadonlyArray<WindowOutput | undefined>,
    cursor: number[],
  ): OrderedRecord[] {
    const ordered: OrderedRecord[] = [];
    for (let i = 0; i < outputs.length; i++) {
      const records = outputs[i]?.records;
      if (!records) continue;
      const endpoint = this.drivers[i].id;
      for (; cursor[i] < records.length && records[cursor[i]].t === t; cursor[i]++) {
        const record = records[cursor[i]];
        if (record.k !== 'seg') {
          ordered.push({ endpoint, record, packet: undefined, routed: false });
          continue;
        }
        const routedTo = this.addressToId.get(record.seg.dstAddr);
        const packet: Packet = {
          id: this.allocateId(),
          from: endpoint,
          to: routedTo ?? record.seg.dstAddr,
          segment: record.seg,
          sentAt: t,
          senderState: record.state,
          deliverAt: t,
        };
        ordered.push({ endpoint, record, packet, routed: routedTo !== undefined });
      }
    }
    return ordered;
  }
}

/** One record of an instant, with the packet it became (segments only). */
interface OrderedRecord {
  endpoint: string;
  record: TimedRecord;
  packet: Packet | undefined;
  routed: boolean;
}

/** The faults of a packet the pipeline left alone (shared: nobody writes to it). */
const NO_FAULTS: readonly FaultEvent[] = [];
const NO_FAULTS_BY_PACKET: ReadonlyMap<number, FaultEvent[]> = new Map();
const NO_PACKETS_BY_ID: ReadonlyMap<number, Packet> = new Map();

/** The fault events of one instant by the id of the packet they happened to. */
function faultsOf(events: readonly FaultEvent[]): Map<number, FaultEvent[]> {
  const byPacket = new Map<number, FaultEvent[]>();
  for (const event of events) {
    const key = event.kind === 'duplicate' ? event.original.id : event.packet.id;
    const list = byPacket.get(key) ?? [];
    list.push(event);
    byPacket.set(key, list);
  }
  return byPacket;
}

function packetsById(packets: readonly Packet[]): Map<number, Packet> {
  const byId = new Map<number, Packet>();
  for (let i = 0; i < packets.length; i++) byId.set(packets[i].id, packets[i]);
  return byId;
}

async function paceTo(wallStart: number, t: number, speed: number): Promise<void> {
  // wall-clock: realtime mode deliberately paces virtual time against the wall clock.
  const due = wallStart + t / speed;
  const wait = due - performance.now();
  if (wait > 1) await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 2_147_483_647))); // wall-clock: realtime pacing
}
