/**
 * The loopback link setting (`network.loopback: true`): the simulated network made to look like
 * Linux's `lo`, so that kernel loopback experiments can be mirrored.
 */
import type { FaultModel, SimulationConfig } from './schema.js';

/**
 * The MSS Linux announces on loopback. `lo` has an MTU of 65,536, but an IPv4 datagram is at most
 * 65,535 bytes, so the advertised MSS is 65,535 − 20 (IPv4) − 20 (TCP) = 65,495
 * (Linux: ipv4_default_advmss clamps to IPV4_MAX_PMTU − header size).
 */
export const LOOPBACK_MSS = 65_495;

/** Loopback has no propagation delay worth modelling: 0 ms unless the config sets one. */
export const LOOPBACK_DELAY = 0;

/**
 * The config a loopback run really runs: each endpoint's profile gets `mss: 65495` (an explicit
 * `profileOverrides.mss` wins), and each fault model without a `delay` gets 0 ms. Any other
 * config is returned as it is.
 */
export function applyLoopback(config: SimulationConfig): SimulationConfig {
  const network = config.network;
  if (!network?.loopback) return config;
  const withDelay = (model: FaultModel = {}): FaultModel => ({ delay: LOOPBACK_DELAY, ...model });
  return {
    ...config,
    endpoints: config.endpoints.map((endpoint) => ({
      ...endpoint,
      profileOverrides: { mss: LOOPBACK_MSS, ...endpoint.profileOverrides },
    })),
    network: {
      ...network,
      default: withDelay(network.default),
      ...(network.links
        ? { links: Object.fromEntries(Object.entries(network.links).map(([key, m]) => [key, withDelay(m)])) }
        : {}),
    },
  };
}
