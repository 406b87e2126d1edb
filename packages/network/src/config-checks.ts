/**
 * The checks of a simulation config that span fields, which a per-field schema cannot express:
 * unique endpoint ids, one address per endpoint, one listener per port, and every reference to
 * an endpoint (link keys, fault matchers, connect / syn-flood / raw targets, perturb) naming one.
 * Run by `validateSimulationConfig` and, on scenario files, by the CLI's schema.
 */
import type { z } from 'zod';
import {
  type EndpointConfig,
  endpointAddresses,
  ipv4Schema,
  LIMITS,
  type SimulationConfig,
} from './schema.js';

/** What the checks read: the CLI's scenario files share these fields with SimulationConfig. */
export type CheckedConfig = Pick<SimulationConfig, 'endpoints' | 'network' | 'perturb'>;

type Path = Array<string | number>;
type Report = (path: Path, message: string) => void;

/** The zod refinement: adds one issue per problem found, each naming its field. */
export function checkSimulationConfig(config: CheckedConfig, ctx: z.RefinementCtx): void {
  const report: Report = (path, message) => ctx.addIssue({ code: 'custom', path, message });
  const ids = checkEndpointIds(config.endpoints, report);
  checkAddresses(config.endpoints, report);
  config.endpoints.forEach((endpoint, i) => {
    checkListeners(endpoint, ['endpoints', i], report);
    checkTargets(endpoint, ids, ['endpoints', i], report);
    checkReactions(endpoint, ['endpoints', i], report);
  });
  checkNetworkReferences(config.network, ids, report);
  checkRunTotals(config.endpoints, report);
  for (const id of Object.keys(config.perturb ?? {})) {
    if (!ids.has(id)) report(['perturb', id], `"${id}" is not an endpoint id`);
  }
}

function checkEndpointIds(endpoints: readonly EndpointConfig[], report: Report): Set<string> {
  const ids = new Set<string>();
  endpoints.forEach((endpoint, i) => {
    if (ids.has(endpoint.id)) report(['endpoints', i, 'id'], `"${endpoint.id}" is used twice`);
    ids.add(endpoint.id);
  });
  return ids;
}

function checkAddresses(endpoints: readonly EndpointConfig[], report: Report): void {
  const addresses = endpointAddresses(endpoints);
  const owner = new Map<string, string>();
  endpoints.forEach((endpoint, i) => {
    const address = addresses.get(endpoint.id)!;
    if (!ipv4Schema.safeParse(address).success) {
      // Only a default can be malformed here: 10.0.0.(10 + index) runs out after 245 endpoints.
      report(['endpoints', i, 'address'], `needs an explicit address (the default ${address} is not valid)`);
    }
    const other = owner.get(address);
    if (other !== undefined && other !== endpoint.id) {
      report(['endpoints', i, 'address'], `${address} is also the address of "${other}"`);
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

/** connect / syn-flood / raw go to an endpoint id or an IPv4 address; a raw segment needs one. */
function checkTargets(endpoint: EndpointConfig, ids: Set<string>, where: Path, report: Report): void {
  (endpoint.actions ?? []).forEach((action, j) => {
    if (action.do !== 'connect' && action.do !== 'syn-flood' && action.do !== 'raw') return;
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
