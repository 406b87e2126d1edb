/**
 * The checks of a simulation config that span fields, which a per-field schema cannot express:
 * unique endpoint ids, one address per endpoint, one listener per port, and every reference to
 * an endpoint (link keys, fault matchers, connect / syn-flood / raw targets, perturb) naming one.
 * Run by `validateSimulationConfig` and, on scenario files, by the CLI's schema. Groups are
 * expanded first (groups.ts), so each check sees every host; a host's problem names its group.
 */
import type { z } from 'zod';
import { allEndpoints, fillTemplate, memberIds, templateProblem } from './groups.js';
import {
  type EndpointConfig,
  endpointAddresses,
  ipv4Schema,
  LIMITS,
  type SimulationConfig,
} from './schema.js';

/** What the checks read: the CLI's scenario files share these fields with SimulationConfig. */
export type CheckedConfig = Pick<
  SimulationConfig,
  'endpoints' | 'groups' | 'network' | 'topology' | 'perturb'
>;

type Path = Array<string | number>;
type Report = (path: Path, message: string) => void;
/** The path of endpoint i of the expanded list: `endpoints[i]`, or its group `groups[g]`. */
type Where = (i: number) => Path;

/** The zod refinement: adds one issue per problem found, each naming its field. */
export function checkSimulationConfig(config: CheckedConfig, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  const report: Report = (path, message) => {
    // The hosts of a group share their paths: one issue per field and message is enough.
    const key = `${path.join('.')}\u0000${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    ctx.addIssue({ code: 'custom', path, message });
  };
  if (!checkGroups(config, report)) return;
  const endpoints = allEndpoints(config);
  const where = expandedPaths(config);
  const ids = checkEndpointIds(endpoints, where, report);
  checkAddresses(endpoints, where, report);
  endpoints.forEach((endpoint, i) => {
    checkListeners(endpoint, where(i), report);
    checkTargets(endpoint, ids, where(i), report);
    checkReactions(endpoint, where(i), report);
  });
  checkNetworkReferences(config.network, ids, report);
  checkTopology(config, report);
  checkRunTotals(endpoints, report);
  for (const id of Object.keys(config.perturb ?? {})) {
    if (!ids.has(id)) report(['perturb', id], `"${id}" is not an endpoint id`);
  }
}

function expandedPaths(config: CheckedConfig): Where {
  const groupOf: number[] = [];
  (config.groups ?? []).forEach((group, g) => {
    for (let i = 0; i < group.count; i++) groupOf.push(g);
  });
  const plain = config.endpoints.length;
  return (i) => (i < plain ? ['endpoints', i] : ['groups', groupOf[i - plain]]);
}

/**
 * Templates that can be filled and totals that fit, before anything is expanded (a typo in a
 * count must not allocate millions of endpoints). False: do not expand.
 */
function checkGroups(config: CheckedConfig, report: Report): boolean {
  let endpoints = config.endpoints.length;
  let actions = config.endpoints.reduce((sum, e) => sum + (e.actions?.length ?? 0), 0);
  let ok = true;
  (config.groups ?? []).forEach((group, g) => {
    endpoints += group.count;
    actions += group.count * (group.actions?.length ?? 0);
    const templates: Array<[Path, string | undefined]> = [
      [['groups', g, 'id'], group.id],
      [['groups', g, 'address'], group.address],
      ...(group.actions ?? []).map((a, j): [Path, string | undefined] => [
        ['groups', g, 'actions', j, 'to'],
        'to' in a ? a.to : undefined,
      ]),
    ];
    for (const [path, text] of templates) {
      const problem = text === undefined ? undefined : templateProblem(text);
      if (problem) report(path, problem);
      ok &&= !problem;
    }
    for (let i = 0; ok && i < group.count; i++) {
      const id = fillTemplate(group.id, i);
      if (!ENDPOINT_ID.test(id)) {
        report(['groups', g, 'id'], `host ${i} gets the id "${id}", which is not a name such as "client-1"`);
        ok = false;
      }
    }
  });
  if (endpoints > LIMITS.endpoints) {
    report(['groups'], `the run has ${endpoints} endpoints with its groups (at most ${LIMITS.endpoints})`);
    ok = false;
  }
  if (actions > LIMITS.runActions) {
    report(['groups'], `the run has ${actions} actions with its groups (at most ${LIMITS.runActions})`);
    ok = false;
  }
  return ok;
}

/** The schema's endpoint id rule, for ids made from templates. */
const ENDPOINT_ID = /^[A-Za-z][\w-]{0,63}$/;

/** Topology links name endpoints or groups; their pairs together are bounded. */
function checkTopology(config: CheckedConfig, report: Report): void {
  for (const group of config.groups ?? []) {
    if (config.endpoints.some((e) => e.id === group.name)) {
      report(['groups'], `group name "${group.name}" is also an endpoint id`);
    }
  }
  const members = memberIds(config);
  let pairs = 0;
  (config.topology?.links ?? []).forEach((link, k) => {
    link.between.forEach((name, side) => {
      if (!members.has(name)) {
        report(
          ['topology', 'links', k, 'between', side],
          `"${name}" is neither an endpoint id nor a group name`,
        );
      }
    });
    const [a, b] = link.between.map((name) => members.get(name)?.length ?? 0);
    pairs += a * b;
  });
  if (pairs > LIMITS.topologyPairs) {
    report(
      ['topology', 'links'],
      `the links cover ${pairs} endpoint pairs (at most ${LIMITS.topologyPairs})`,
    );
  }
}

function checkEndpointIds(endpoints: readonly EndpointConfig[], where: Where, report: Report): Set<string> {
  const ids = new Set<string>();
  endpoints.forEach((endpoint, i) => {
    if (ids.has(endpoint.id)) report([...where(i), 'id'], `"${endpoint.id}" is used twice`);
    ids.add(endpoint.id);
  });
  return ids;
}

function checkAddresses(endpoints: readonly EndpointConfig[], where: Where, report: Report): void {
  const addresses = endpointAddresses(endpoints);
  const owner = new Map<string, string>();
  endpoints.forEach((endpoint, i) => {
    const address = addresses.get(endpoint.id)!;
    if (!ipv4Schema.safeParse(address).success) {
      // Only a default can be malformed here: 10.0.0.(10 + index) runs out after 245 endpoints.
      report(
        [...where(i), 'address'],
        endpoint.address === undefined
          ? `needs an explicit address (the default ${address} is not valid)`
          : `"${endpoint.id}" gets ${address}, which is not an IPv4 address`,
      );
    }
    const other = owner.get(address);
    if (other !== undefined && other !== endpoint.id) {
      report([...where(i), 'address'], `${address} is also the address of "${other}"`);
    }
    owner.set(address, endpoint.id);
  });
}

/** One listening socket per port: a second `listen` would find the port in use (Linux: EADDRINUSE). */
function checkListeners(endpoint: EndpointConfig, where: Path, report: Report): void {
  const listening = new Map<number, number>();
  (endpoint.actions ?? []).forEach((action, j) => {
    if (action.do !== 'listen') return;
    const first = listening.get(action.port);
    if (first !== undefined) {
      report(
        [...where, 'actions', j, 'port'],
        `port ${action.port} already has a listener (actions[${first}]); listen once per port`,
      );
    } else {
      listening.set(action.port, j);
    }
  });
}

/** connect / syn-flood / raw / isn-spoof go to an endpoint id or an IPv4 address; a raw segment needs one. */
function checkTargets(endpoint: EndpointConfig, ids: Set<string>, where: Path, report: Report): void {
  (endpoint.actions ?? []).forEach((action, j) => {
    if (
      action.do !== 'connect' &&
      action.do !== 'syn-flood' &&
      action.do !== 'raw' &&
      action.do !== 'isn-spoof'
    )
      return;
    const to = action.to;
    if (to !== undefined && !ids.has(to) && !ipv4Schema.safeParse(to).success) {
      report([...where, 'actions', j, 'to'], `"${to}" is neither an endpoint id nor an IPv4 address`);
    }
    if (action.do === 'raw' && to === undefined && action.segment.dstAddr === undefined) {
      report([...where, 'actions', j, 'segment', 'dstAddr'], 'is required when the action has no "to"');
    }
  });
}

function checkReactions(endpoint: EndpointConfig, where: Path, report: Report): void {
  (endpoint.reactions ?? []).forEach((reaction, j) => {
    if (reaction.do === 'send' && reaction.bytes === undefined) {
      report([...where, 'reactions', j, 'bytes'], 'is required when do is "send"');
    }
  });
}

/**
 * Totals over the whole run, which per-field bounds cannot see: a thousand actions of 64 MiB
 * each are each valid, together 64 GiB held in send buffers; the same for SYN floods.
 */
function checkRunTotals(endpoints: readonly EndpointConfig[], report: Report): void {
  let sendBytes = 0;
  let floodSyns = 0;
  for (const endpoint of endpoints) {
    for (const action of endpoint.actions ?? []) {
      if (action.do === 'send') sendBytes += action.bytes;
      if (action.do === 'syn-flood') floodSyns += action.count;
    }
    for (const reaction of endpoint.reactions ?? []) sendBytes += reaction.bytes ?? 0;
  }
  if (sendBytes > LIMITS.runSendBytes) {
    report(['endpoints'], `the sends add up to ${sendBytes} bytes (at most ${LIMITS.runSendBytes} per run)`);
  }
  if (floodSyns > LIMITS.floodSyns) {
    report(['endpoints'], `the SYN floods add up to ${floodSyns} SYNs (at most ${LIMITS.floodSyns} per run)`);
  }
}

/** Link keys and fault matchers name endpoints; a typo there would silently match nothing. */
function checkNetworkReferences(network: CheckedConfig['network'], ids: Set<string>, report: Report): void {
  for (const key of Object.keys(network?.links ?? {})) {
    for (const id of key.split('->')) {
      if (!ids.has(id)) report(['network', 'links', key], `"${id}" is not an endpoint id`);
    }
  }
  (network?.faults ?? []).forEach((fault, i) => {
    if (typeof fault.match === 'function') return;
    for (const side of ['from', 'to'] as const) {
      const id = fault.match[side];
      if (id !== undefined && !ids.has(id)) {
        report(['network', 'faults', i, 'match', side], `"${id}" is not an endpoint id`);
      }
    }
  });
}
