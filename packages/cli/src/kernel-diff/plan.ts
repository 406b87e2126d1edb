/**
 * What a scenario asks of a real kernel, or why it has no kernel equivalent. The kernel run uses
 * one network namespace whose loopback carries every endpoint's address: applications with `net`
 * sockets, nftables for the targeted drops, sysctls for the profile. netem is not assumed (this
 * kernel has none), so the link is loopback's: no delay — the model runs the scenario on a
 * loopback link (MSS 65,495) with delay 0 to match.
 */
import { endpointAddresses, type SimulationConfig, type TraceEvent } from '@synack/network';

export interface KernelEndpoint {
  readonly id: string;
  readonly address: string;
  readonly actions: readonly Record<string, unknown>[];
  readonly reactions: readonly Record<string, unknown>[];
}

/** Drop the `nth` (1-based) segment from `saddr` whose flags are exactly `flags`. */
export interface KernelDrop {
  readonly saddr: string;
  readonly flags: readonly string[];
  readonly nth: number;
}

export interface KernelPlan {
  readonly endpoints: readonly KernelEndpoint[];
  readonly drops: readonly KernelDrop[];
  /** sysctl name → value, applied in the namespace before the run. */
  readonly sysctls: Readonly<Record<string, number>>;
  /** How long the applications run, ms. */
  readonly durationMs: number;
}

const UNSUPPORTED_ACTIONS: Readonly<Record<string, string>> = {
  raw: 'a hand-made (raw) segment needs a raw socket the kernel run does not have',
  'syn-flood': 'spoofed SYNs need raw sockets and other source addresses',
  restart: 'a host crash and reboot has no kernel equivalent in one namespace',
  receive: 'explicit receive calls (autoRead off) are not reproduced by the application',
  accept: 'explicit accept calls (autoAccept off) are not reproduced by the application',
};

/** Profile fields a sysctl sets in the namespace (seconds for tcp_fin_timeout). */
const SYSCTLS: Readonly<Record<string, { name: string; scale: number }>> = {
  synRetries: { name: 'net.ipv4.tcp_syn_retries', scale: 1 },
  synLinearTimeouts: { name: 'net.ipv4.tcp_syn_linear_timeouts', scale: 1 },
  synackRetries: { name: 'net.ipv4.tcp_synack_retries', scale: 1 },
  dataRetries: { name: 'net.ipv4.tcp_retries2', scale: 1 },
  finWait2Timeout: { name: 'net.ipv4.tcp_fin_timeout', scale: 1 / 1000 },
};

/** Why the network of a config cannot be reproduced on loopback, or undefined. */
function networkProblem(config: SimulationConfig): string | undefined {
  const network = config.network ?? {};
  const models = [network.default ?? {}, ...Object.values(network.links ?? {})];
  for (const m of models) {
    if (m.loss || m.burstLoss)
      return 'random loss differs: the kernel run cannot draw the model’s random stream';
    if (m.jitter || m.reorder || m.duplicate)
      return 'random jitter, reordering or duplication differs between the two runs';
    if (m.bandwidth) return 'a bandwidth limit needs a shaping qdisc the kernel run does not set up';
  }
  for (const fault of network.faults ?? []) {
    if (typeof fault.match === 'function')
      return 'a function matcher cannot be translated into an nftables rule';
    if (!('drop' in fault.action))
      return 'targeted delays and duplicates need netem, which this kernel lacks';
  }
  return undefined;
}

/**
 * Two endpoints opening or closing at the same instant: in the model their segments cross on the
 * link; on a loopback with no delay the kernel delivers the first before the other application acts.
 */
function crossingProblem(config: SimulationConfig): string | undefined {
  const seen = new Map<string, string>();
  for (const endpoint of config.endpoints)
    for (const action of endpoint.actions ?? []) {
      if (action.do !== 'connect' && action.do !== 'close') continue;
      const key = `${action.do}@${action.at}`;
      const other = seen.get(key);
      if (other !== undefined && other !== endpoint.id)
        return `${other} and ${endpoint.id} both ${action.do} at ${action.at} ms: crossing segments need a link delay (netem, which this kernel lacks); on loopback the first arrives before the other side acts`;
      seen.set(key, endpoint.id);
    }
  return undefined;
}

/** The sysctls the endpoints' profile overrides ask for; a string when they cannot be set. */
function sysctlsOf(config: SimulationConfig): Record<string, number> | string {
  if ((config.profile ?? 'linux') !== 'linux') return `profile ${config.profile}: the kernel is Linux`;
  const out: Record<string, number> = {};
  for (const endpoint of config.endpoints) {
    if (endpoint.profile && endpoint.profile !== 'linux')
      return `endpoint ${endpoint.id} runs profile ${endpoint.profile}`;
    for (const [field, value] of Object.entries(endpoint.profileOverrides ?? {})) {
      const sysctl = SYSCTLS[field];
      if (field === 'mss') continue;
      if (!sysctl) return `profile field ${field} has no sysctl`;
      const v = Math.round((value as number) * sysctl.scale);
      if (out[sysctl.name] !== undefined && out[sysctl.name] !== v)
        return `endpoints set ${sysctl.name} differently, but they share one kernel`;
      out[sysctl.name] = v;
    }
  }
  return out;
}

/**
 * The drops a targeted fault made in the model run, as "the nth segment with these exact flags
 * from this address" (the kernel run drops the same one as long as the two agree up to there).
 */
function dropsOf(trace: readonly TraceEvent[], addresses: ReadonlyMap<string, string>): KernelDrop[] {
  const seen = new Map<string, number>();
  const drops: KernelDrop[] = [];
  for (const event of trace) {
    const e = event as unknown as { kind: string; from?: string; seg?: { flags: string[] }; reason?: string };
    if (!e.from || !e.seg) continue;
    const key = `${e.from}|${[...e.seg.flags].sort().join(',')}`;
    if (e.kind === 'send') seen.set(key, (seen.get(key) ?? 0) + 1);
    if (e.kind === 'drop' && e.reason?.startsWith('targeted'))
      drops.push({ saddr: addresses.get(e.from) ?? '', flags: e.seg.flags, nth: seen.get(key) ?? 1 });
  }
  return drops;
}

/** The kernel plan of a scenario, or the reason it has none. */
export function kernelPlan(
  config: SimulationConfig,
  modelTrace: readonly TraceEvent[],
  lastSegmentMs: number,
): KernelPlan | { readonly noEquivalent: string } {
  const problem = networkProblem(config) ?? crossingProblem(config);
  if (problem) return { noEquivalent: problem };
  const sysctls = sysctlsOf(config);
  if (typeof sysctls === 'string') return { noEquivalent: sysctls };
  const addresses = endpointAddresses(config.endpoints);
  const endpoints: KernelEndpoint[] = [];
  for (const endpoint of config.endpoints) {
    for (const action of endpoint.actions ?? []) {
      const reason = UNSUPPORTED_ACTIONS[action.do];
      if (reason) return { noEquivalent: `${endpoint.id}: ${reason}` };
    }
    endpoints.push({
      id: endpoint.id,
      address: addresses.get(endpoint.id) ?? '',
      actions: (endpoint.actions ?? []) as unknown as Record<string, unknown>[],
      reactions: (endpoint.reactions ?? []) as unknown as Record<string, unknown>[],
    });
  }
  const lastAction = Math.max(0, ...config.endpoints.flatMap((e) => (e.actions ?? []).map((a) => a.at)));
  // Long enough for every segment the model sent, plus slack for kernel timers (capped).
  const durationMs = Math.min(30_000, Math.max(lastSegmentMs, lastAction) + 1500);
  return { endpoints, drops: dropsOf(modelTrace, addresses), sysctls, durationMs };
}
