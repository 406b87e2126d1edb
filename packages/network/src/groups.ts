/**
 * Many hosts from a few lines (issue 24): endpoint groups and the topology section, expanded
 * into the plain config the coordinator runs (endpoints and network.links).
 *
 * A group is `count` endpoints made from one template: `id` and `address` may hold `{i}`,
 * `{i+N}`, `{i/N}` (integer division) and `{i%N}`, i = 0 … count − 1; so may the `to` of its
 * connect, syn-flood and raw actions. Host i's actions happen `i × offset` ms after their `at`.
 * Group endpoints come after `endpoints`, group by group, host by host.
 *
 * The topology gives links by endpoint id or group name, each in both directions; its `default`
 * is the network's default, under `network.default`'s own fields. An explicit `network.links`
 * entry wins over a topology link of the same direction.
 */
import type {
  AppAction,
  EndpointConfig,
  EndpointGroup,
  FaultModel,
  NetworkConfig,
  SimulationConfig,
} from './schema.js';

const TEMPLATE = /\{([^}]*)\}/g;
const EXPRESSION = /^i(?:([+/%])(\d+))?$/;

/** What a template hole says, or why it cannot be read. */
export function templateProblem(template: string): string | undefined {
  for (const [, hole] of template.matchAll(TEMPLATE)) {
    const m = EXPRESSION.exec(hole.replace(/\s+/g, ''));
    if (!m) return `"{${hole}}" is not a template hole (use {i}, {i+N}, {i/N} or {i%N})`;
    if ((m[1] === '/' || m[1] === '%') && Number(m[2]) === 0) return `"{${hole}}" divides by zero`;
  }
  return undefined;
}

/** The template with every hole filled for host `i` (templateProblem must have passed). */
export function fillTemplate(template: string, i: number): string {
  if (!template.includes('{')) return template;
  return template.replace(TEMPLATE, (_, hole: string) => {
    const [, op, operand] = EXPRESSION.exec(hole.replace(/\s+/g, '')) ?? [];
    const n = Number(operand);
    if (op === '+') return String(i + n);
    if (op === '/') return String(Math.floor(i / n));
    if (op === '%') return String(i % n);
    return String(i);
  });
}

/** Host `i` of a group, as a plain endpoint. */
export function groupHost(group: EndpointGroup, i: number): EndpointConfig {
  const { name: _name, count: _count, offset, id, address, actions, ...rest } = group;
  const shift = (offset ?? 0) * i;
  return {
    ...rest,
    id: fillTemplate(id, i),
    ...(address !== undefined ? { address: fillTemplate(address, i) } : {}),
    ...(actions ? { actions: actions.map((action) => hostAction(action, i, shift)) } : {}),
  };
}

function hostAction(action: AppAction, i: number, shift: number): AppAction {
  const at = action.at + shift;
  if ('to' in action && action.to !== undefined) return { ...action, at, to: fillTemplate(action.to, i) };
  return { ...action, at };
}

/** Every endpoint of the run: `endpoints`, then each group's hosts. */
export function allEndpoints(config: Pick<SimulationConfig, 'endpoints' | 'groups'>): EndpointConfig[] {
  const out = [...config.endpoints];
  for (const group of config.groups ?? []) {
    for (let i = 0; i < group.count; i++) out.push(groupHost(group, i));
  }
  return out;
}

/** Ids an endpoint id or group name of a topology link stands for. */
export function memberIds(config: Pick<SimulationConfig, 'endpoints' | 'groups'>): Map<string, string[]> {
  const members = new Map<string, string[]>();
  for (const endpoint of config.endpoints) members.set(endpoint.id, [endpoint.id]);
  for (const group of config.groups ?? []) {
    members.set(
      group.name,
      Array.from({ length: group.count }, (_, i) => fillTemplate(group.id, i)),
    );
  }
  return members;
}

/** The topology as network.default and network.links (explicit network settings win). */
function topologyNetwork(config: SimulationConfig): NetworkConfig | undefined {
  const topology = config.topology;
  if (!topology) return config.network;
  const network = config.network ?? {};
  const members = memberIds(config);
  const links: Record<string, FaultModel> = {};
  for (const { between, ...model } of topology.links ?? []) {
    const [a, b] = between.map((name) => members.get(name) ?? []);
    for (const x of a) {
      for (const y of b) {
        links[`${x}->${y}`] = model;
        links[`${y}->${x}`] = model;
      }
    }
  }
  Object.assign(links, network.links);
  const defaults =
    topology.default || network.default ? { ...topology.default, ...network.default } : undefined;
  return {
    ...network,
    ...(defaults ? { default: defaults } : {}),
    ...(Object.keys(links).length > 0 ? { links } : {}),
  };
}

/** The config with groups and topology expanded: what the coordinator runs. Others pass as they are. */
export function expandGroups(config: SimulationConfig): SimulationConfig {
  if (!config.groups && !config.topology) return config;
  const { groups: _groups, topology: _topology, ...rest } = config;
  const network = topologyNetwork(config);
  return { ...rest, endpoints: allEndpoints(config), ...(network ? { network } : {}) };
}
