/**
 * `--direction`: confine random loss to one direction of the client–server
 * path. Shared by `synack run` and `synack sweep`, so that a sweep row and its
 * reproduction build byte-identical configs.
 */
import type { FaultModel, SimulationConfig } from '@synack/network';
import { InputError } from '../schema.js';

export const DIRECTIONS = ['both', 'client->server', 'server->client'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/**
 * Returns `config` with its Bernoulli loss applied only to `direction`:
 * the loss of `network.default` (after command-line overrides) moves into
 * `network.links[direction]`, and every other direction, including existing
 * links, loses its `loss`. Every other fault (delay, jitter, reordering,
 * duplication) still applies both ways. `both` (or undefined) changes nothing.
 */
export function applyDirection(config: SimulationConfig, direction: Direction | undefined): SimulationConfig {
  if (direction === undefined || direction === 'both') return config;
  const ids = new Set(config.endpoints.map((e) => e.id));
  const [from, to] = direction.split('->');
  for (const id of [from, to]) {
    if (!ids.has(id)) {
      throw new InputError(
        `--direction ${direction}: the scenario has no endpoint "${id}" (it needs "client" and "server")`,
      );
    }
  }
  const network = config.network ?? {};
  const { loss: defaultLoss, ...lossless } = network.default ?? {};
  const links: Record<string, FaultModel> = {};
  for (const [key, model] of Object.entries(network.links ?? {})) {
    if (key === direction) links[key] = model;
    else {
      const { loss: _dropped, ...rest } = model;
      links[key] = rest;
    }
  }
  // A links entry replaces the default for its direction, so it carries the other faults too.
  links[direction] ??= { ...lossless, ...(defaultLoss !== undefined ? { loss: defaultLoss } : {}) };
  return { ...config, network: { ...network, default: lossless, links } };
}

/** The ladder header's note for a one-direction loss (", loss 0.3 client->server only"), else "". */
export function describeDirection(config: SimulationConfig, direction: Direction | undefined): string {
  if (direction === undefined || direction === 'both') return '';
  const loss = config.network?.links?.[direction]?.loss;
  return loss ? `, loss ${loss} ${direction} only` : '';
}
