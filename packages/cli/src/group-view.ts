/**
 * The ladder's group view (issue 24): a scenario with endpoint groups and more lanes than a
 * terminal can show draws each group as one lane, its hosts folded. The lane carries one row per
 * time interval (at most {@link MAX_INTERVALS}) saying how many hosts were active, how many
 * segments the group exchanged and lost, and how many of the group's connections are in each
 * state at the interval's end; `--host ID` (repeatable, `*` and `?` globs) draws chosen hosts as
 * full lanes, and `--full` draws every endpoint as today. Endpoints outside groups are always
 * drawn, but only their events with drawn peers: a server's 9,999 handshakes with folded clients
 * are counted in the clients' lane, not drawn. Output and memory stay bounded by the number of
 * drawn lanes and intervals, whatever the number of hosts.
 */
import { endpointAddresses, expandGroups, type SimulationConfig, type TraceEvent } from '@synack/network';
import type { Annotate, Lang } from './explain/index.js';
import { Ladder } from './ladder.js';
import { InputError } from './schema.js';

type SegmentEvent = Extract<TraceEvent, { kind: 'send' | 'drop' | 'duplicate' | 'deliver' }>;

/** More lanes than this in a scenario with groups ⇒ group view (unless --full). */
export const GROUP_VIEW_LANES = 8;
/** At most this many hosts drawn as lanes by --host (a glob picking more is an input error). */
export const MAX_PICKED_HOSTS = 16;
/** The folded lanes' rows: at most this many time intervals over the run. */
export const MAX_INTERVALS = 20;

/** One group whose unpicked hosts share a lane. */
export interface FoldedGroup {
  name: string;
  /** The lane's heading: the group's name and how many hosts it folds. */
  lane: string;
  /** Folded hosts, in host order. */
  members: string[];
}

/** The lanes of a group view: what is drawn in full, and what is folded. */
export interface LanePlan {
  /** Endpoints drawn as lanes (outside groups first, then picked hosts), in that order. */
  drawn: string[];
  folded: FoldedGroup[];
  /** Every endpoint's address → its id, to find the peer of a connection (its id names it). */
  addressToId: Map<string, string>;
  endpointCount: number;
}

export interface LaneChoice {
  /** --host patterns (ids, or globs with `*` and `?`). */
  hosts?: string[];
  /** --full: every endpoint as a lane. */
  full?: boolean;
}

/** `*` and `?` of a --host pattern as a whole-id regular expression. */
function globRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** The ids the --host patterns pick, in endpoint order; an input error for a pattern that picks none. */
function pickedHosts(ids: readonly string[], patterns: readonly string[]): Set<string> {
  const picked = new Set<string>();
  for (const pattern of patterns) {
    if (pattern.trim() === '') throw new InputError('--host: the endpoint id is empty');
    const re = globRegExp(pattern);
    const matches = ids.filter((id) => re.test(id));
    if (matches.length === 0) {
      const known = ids.length > 6 ? `${ids.slice(0, 3).join(', ')} … ${ids.at(-1)}` : ids.join(', ');
      throw new InputError(`--host "${pattern}": no endpoint has this id (ids: ${known})`);
    }
    for (const id of matches) picked.add(id);
  }
  if (picked.size > MAX_PICKED_HOSTS) {
    throw new InputError(
      `--host picks ${picked.size} endpoints; at most ${MAX_PICKED_HOSTS} can be drawn as lanes (--full draws every endpoint)`,
    );
  }
  return picked;
}

/**
 * The group view a run's text ladder uses, or undefined for the full ladder: with --full, in a
 * scenario without groups, or when every endpoint fits ({@link GROUP_VIEW_LANES} lanes) and no
 * --host was given. Bad --host patterns are input errors here, before anything runs.
 */
export function planLanes(config: SimulationConfig, choice: LaneChoice): LanePlan | undefined {
  const patterns = choice.hosts ?? [];
  if (choice.full && patterns.length > 0) throw new InputError('--host and --full cannot be used together');
  const endpoints = expandGroups(config).endpoints;
  const ids = endpoints.map((e) => e.id);
  const picked = pickedHosts(ids, patterns);
  const groups = config.groups ?? [];
  if (choice.full || groups.length === 0) return undefined;
  if (patterns.length === 0 && ids.length <= GROUP_VIEW_LANES) return undefined;
  const standalone = config.endpoints.map((e) => e.id);
  const folded: FoldedGroup[] = [];
  let next = standalone.length;
  for (const group of groups) {
    const members = ids.slice(next, next + group.count).filter((id) => !picked.has(id));
    next += group.count;
    if (members.length > 0)
      folded.push({ name: group.name, lane: `${group.name} ×${members.length}`, members });
  }
  const drawn = [...standalone, ...ids.filter((id) => picked.has(id) && !standalone.includes(id))];
  const addressToId = new Map([...endpointAddresses(endpoints)].map(([id, address]) => [address, id]));
  return { drawn, folded, addressToId, endpointCount: ids.length };
}

/** A count with thousands separators (fixed, whatever the locale). */
export function count(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** The interval of the folded rows: 1, 2 or 5 × 10^k ms, at most MAX_INTERVALS over the run. */
export function intervalMs(endTime: number): number {
  const wanted = Math.max(1, endTime / MAX_INTERVALS);
  for (let step = 1; ; step *= 10) {
    for (const m of [1, 2, 5]) if (step * m >= wanted) return step * m;
  }
}

/** What a folded group did: in the current interval, and its connections' states so far. */
class GroupTally {
  readonly hostsActive = new Set<string>();
  segments = 0;
  lost = 0;
  retransmitted = 0;
  totalSegments = 0;
  totalLost = 0;
  totalRetransmitted = 0;
  /** endpoint|conn → its state now. */
  private readonly connState = new Map<string, string>();
  private readonly inState = new Map<string, number>();

  constructor(readonly group: FoldedGroup) {}

  state(e: Extract<TraceEvent, { kind: 'state' }>): void {
    if (e.role === 'listener') return; // the group's counts are of connections
    const key = `${e.endpoint}|${e.conn}`;
    const previous = this.connState.get(key);
    if (previous !== undefined) this.inState.set(previous, (this.inState.get(previous) ?? 0) - 1);
    this.connState.set(key, e.to);
    this.inState.set(e.to, (this.inState.get(e.to) ?? 0) + 1);
  }

  segment(e: SegmentEvent): void {
    if (e.kind === 'send') {
      this.segments++;
      this.totalSegments++;
      if (e.retransmit) {
        this.retransmitted++;
        this.totalRetransmitted++;
      }
    } else if (e.id !== 0) {
      this.lost++;
      this.totalLost++;
    }
  }

  /** The interval's row (undefined when the group did nothing), and a fresh interval. */
  flush(): string | undefined {
    if (this.hostsActive.size === 0 && this.segments === 0) return undefined;
    const states = [...this.inState].filter(([, n]) => n > 0).map(([s, n]) => `${s} ${count(n)}`);
    const extra = [
      this.lost ? `${count(this.lost)} lost` : '',
      this.retransmitted ? `${count(this.retransmitted)} retransmitted` : '',
    ].filter(Boolean);
    const row =
      `${count(this.hostsActive.size)} hosts active, ${count(this.segments)} segments` +
      `${extra.length ? ` (${extra.join(', ')})` : ''}; connections: ${states.join(' · ') || 'none'}`;
    this.hostsActive.clear();
    this.segments = this.lost = this.retransmitted = 0;
    return row;
  }
}

export interface GroupViewOptions {
  color?: boolean;
  annotate?: Annotate;
  lang?: Lang;
  /** The compact layout, fitted to `width` columns (ladder.ts LadderOptions). */
  compact?: boolean;
  width?: number;
  /** Fold runs of repeated rows (ladder-fold.ts). */
  fold?: boolean;
  /** Mark each TIME_WAIT period passed over (ladder.ts LadderOptions). */
  skipTimeWait?: boolean;
}

/** Routes each trace event to a drawn row, a folded group's tally, or nowhere. */
class GroupRouter {
  private readonly groupOf = new Map<string, GroupTally>();
  private readonly peerCache = new Map<string, string | undefined>();
  readonly tallies: GroupTally[];

  constructor(private readonly plan: LanePlan) {
    this.tallies = plan.folded.map((group) => new GroupTally(group));
    for (const tally of this.tallies) for (const id of tally.group.members) this.groupOf.set(id, tally);
  }

  /** True when the event is drawn; otherwise it was counted in a folded group (or hidden). */
  route(e: TraceEvent): boolean {
    if (e.kind === 'summary') return false;
    const own = this.groupOf.get(e.endpoint);
    if (own) {
      own.hostsActive.add(e.endpoint);
      if (e.kind === 'state') own.state(e);
      else if (e.kind === 'send' || e.kind === 'drop') own.segment(e);
      return false;
    }
    if (e.kind === 'send' || e.kind === 'drop' || e.kind === 'deliver' || e.kind === 'duplicate') {
      const peer = this.groupOf.get(e.from === e.endpoint ? e.to : e.from);
      if (peer && (e.kind === 'send' || e.kind === 'drop')) peer.segment(e);
      return peer === undefined;
    }
    const conn = 'conn' in e ? e.conn : undefined;
    return conn === undefined || !this.groupOf.has(this.peerOf(conn) ?? '');
  }

  /** The peer endpoint of a connection id `localPort-address:port` (undefined when unknown). */
  private peerOf(conn: string): string | undefined {
    if (!this.peerCache.has(conn)) {
      const address = /^\d+-([\d.]+):\d+$/.exec(conn)?.[1];
      this.peerCache.set(conn, address === undefined ? undefined : this.plan.addressToId.get(address));
    }
    return this.peerCache.get(conn);
  }
}

/** The ladder of a run in group view: drawn lanes row by row, folded groups interval by interval. */
export function renderGroupView(
  trace: readonly TraceEvent[],
  plan: LanePlan,
  options: GroupViewOptions = {},
): string {
  const ladder = new Ladder(trace, {
    color: options.color,
    lang: options.lang,
    compact: options.compact,
    width: options.width,
    skipTimeWait: options.skipTimeWait,
    endpoints: [...plan.drawn, ...plan.folded.map((g) => g.lane)],
  });
  const router = new GroupRouter(plan);
  const endTime = trace.at(-1)?.t ?? 0;
  const step = intervalMs(endTime);
  let intervalEnd = step;
  const items: string[] = [];
  const flushInterval = () => {
    for (const tally of router.tallies) {
      const row = tally.flush();
      // The last interval ends with the run, not after it.
      const t = Math.min(intervalEnd, endTime);
      if (row !== undefined) items.push(ladder.laneText(t, tally.group.lane, `⋯ ${row}`));
    }
    intervalEnd += step;
  };
  trace.forEach((e, index) => {
    // Rows of an interval come before the first event after it (events are in time order).
    while (e.t >= intervalEnd) flushInterval();
    if (!router.route(e)) return;
    const item = ladder.eventItem(e, options.annotate?.(e, index));
    if (item !== undefined) items.push(item);
  });
  flushInterval();
  return ladder.render(items, options.fold === true);
}

/** The line above a group view: what is folded, and how to see more. */
export function groupViewHeading(plan: LanePlan): string {
  const folded = plan.folded.map((g) => `${g.name} (${count(g.members.length)} hosts)`).join(', ');
  return (
    `group view: ${count(plan.endpointCount)} endpoints; folded into one lane each: ${folded}. ` +
    `Each ⋯ row sums an interval. --host ID draws a host as a lane, --full every endpoint.\n`
  );
}

/** What each folded group did over the whole run, after the ladder. */
export function groupSummaries(trace: readonly TraceEvent[], plan: LanePlan): string {
  const router = new GroupRouter(plan);
  for (const e of trace) router.route(e);
  const summary = trace.find((e) => e.kind === 'summary');
  const finals = summary?.kind === 'summary' ? summary.final : {};
  return router.tallies
    .map((tally) => {
      const { members, lane } = tally.group;
      const range = members.length > 1 ? `${members[0]} … ${members.at(-1)}` : members[0];
      const lost = tally.totalLost ? `, ${count(tally.totalLost)} lost` : '';
      const again = tally.totalRetransmitted ? `, ${count(tally.totalRetransmitted)} retransmitted` : '';
      return `${lane} (${range}): final ${foldFinals(members, finals)}; ${count(tally.totalSegments)} segments${lost}${again}\n`;
    })
    .join('');
}

/** An endpoint's final states, as `CLOSED ×9,999` when it had many connections. */
export function foldStates(states: readonly string[]): string[] {
  if (states.length <= 4) return [...states];
  const byState = new Map<string, number>();
  for (const state of states) byState.set(state, (byState.get(state) ?? 0) + 1);
  return [...byState].map(([state, n]) => `${state} ×${count(n)}`);
}

/** Hosts by final state (a host with several connections counts once per connection state). */
export function foldFinals(members: readonly string[], finals: Record<string, string[]>): string {
  const byState = new Map<string, number>();
  for (const id of members) {
    const states = finals[id]?.length ? finals[id] : ['(no connection)'];
    for (const state of states) byState.set(state, (byState.get(state) ?? 0) + 1);
  }
  return [...byState].map(([state, n]) => `${state} ${count(n)}`).join(', ');
}
