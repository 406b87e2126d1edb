/**
 * Validation with one-line messages naming the field: `network.default.loss: must be between
 * 0 and 1, got 1.5`. The library and the CLI format zod issues with the same function, so the
 * same mistake reads the same in both (the CLI prefixes the file name).
 */
import type { z } from 'zod';
import { checkSimulationConfig } from './config-checks.js';
import {
  type NetworkConfig,
  networkConfigSchema,
  type SimulationConfig,
  simulationConfigObject,
} from './schema.js';

/** The whole config: the per-field schema plus the checks across fields. */
export const simulationConfigSchema = simulationConfigObject.superRefine(checkSimulationConfig);

/** An invalid config; `message` is one line naming the field. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Throws a ConfigError naming the first offending field. */
export function validateSimulationConfig(config: unknown): asserts config is SimulationConfig {
  const problem = firstProblem(simulationConfigSchema, config);
  if (problem !== undefined) throw new ConfigError(problem);
}

/** The same for a network config alone (paths relative to it, e.g. `default.loss`). */
export function validateNetworkConfig(config: unknown): asserts config is NetworkConfig {
  const problem = firstProblem(networkConfigSchema, config);
  if (problem !== undefined) throw new ConfigError(problem);
}

/**
 * The first problem `schema` finds in `data`, as one line naming the field; undefined when the
 * data is valid. Schemas that extend this package's (the CLI's scenario files) use it too, so a
 * mistake reads the same everywhere.
 */
export function firstProblem(schema: z.ZodType, data: unknown): string | undefined {
  const result = schema.safeParse(data, { reportInput: true });
  return result.success ? undefined : formatIssue(result.error.issues[0]);
}

/** "path.to.field: message", with `(root)` for the object itself. */
function formatIssue(issue: z.core.$ZodIssue): string {
  const { path, message } = explain(issue, []);
  const where = path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
  return `${where || '(root)'}: ${message}`;
}

function explain(issue: z.core.$ZodIssue, prefix: PropertyKey[]): { path: PropertyKey[]; message: string } {
  const path = [...prefix, ...issue.path];
  switch (issue.code) {
    case 'invalid_union': {
      if (issue.discriminator !== undefined && issue.errors.length === 0 && 'options' in issue) {
        // A discriminated union (an action's `do`) whose discriminator matched no option.
        const value = (issue.input as Record<string, unknown> | undefined)?.[issue.discriminator];
        return { path, message: `must be one of ${(issue.options ?? []).join(', ')}${got(value)}` };
      }
      // An alternative that has every field it needs and no unknown one, but a wrong value
      // inside, says best what is wrong; otherwise the union's own message lists the choices.
      const fitting = issue.errors.find((branch) =>
        branch.every((i) => i.path.length > 0 && i.input !== undefined),
      );
      return fitting?.length ? explain(fitting[0], path) : { path, message: issue.message };
    }
    case 'invalid_key':
      // A record key (a link "from->to"): its own issue carries the message.
      return { path, message: issue.issues[0]?.message ?? issue.message };
    case 'unrecognized_keys': {
      const keys = issue.keys.map((k) => `"${k}"`).join(', ');
      return { path, message: `unknown field${issue.keys.length > 1 ? 's' : ''} ${keys}` };
    }
    case 'invalid_value':
      return { path, message: `must be one of ${issue.values.map(String).join(', ')}${got(issue.input)}` };
    case 'too_big':
    case 'too_small':
    case 'invalid_format':
      return { path, message: `${issue.message}${got(issue.input)}` };
    case 'invalid_type':
      // A fraction where an integer belongs gets our message, which states the bounds; for other
      // types zod's own message says what it received.
      return {
        path,
        message: issue.expected === 'int' ? `${issue.message}${got(issue.input)}` : issue.message,
      };
    case 'custom':
      return { path, message: `${issue.message}${got(issue.input)}` };
    default:
      return { path, message: issue.message };
  }
}

/** ", got 1.5" for a short primitive input; nothing for objects or long strings. */
function got(input: unknown): string {
  if (typeof input === 'number' || typeof input === 'boolean') return `, got ${input}`;
  if (typeof input === 'string' && input.length <= 40) return `, got ${JSON.stringify(input)}`;
  return '';
}
