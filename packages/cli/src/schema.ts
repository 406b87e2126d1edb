/**
 * Scenario files (JSON or YAML): @synack/network's config schema (the one schema, with its
 * checks across fields and its one-line messages), plus a name, a description and expectations.
 * Fields a scenario file cannot set (they belong to the command line or to tests) are left out,
 * so unknown fields stay errors: a typo must not silently change an experiment.
 */
import { extname } from 'node:path';
import { FLAG_NAMES, type FlagName, TCP_STATES } from '@synack/core';
import { checkSimulationConfig, firstProblem, simulationConfigObject } from '@synack/network';
import { z } from 'zod';
import {
  checkJsonText,
  parseYamlChecked,
  readCapped,
  readCappedFile,
  ScenarioTextError,
} from './scenario-text.js';
import type { Scenario } from './scenarios.js';

const flagName = z.enum(FLAG_NAMES as readonly FlagName[] as [FlagName, ...FlagName[]]);
const stateName = z.enum(TCP_STATES);
const count = z.number().int().min(0);
const range = { min: count.optional(), max: count.optional() };

/** What a run must show (expect.ts checks it against the trace). */
const expectSchema = z.strictObject({
  ok: z.boolean().optional(),
  final: z.record(z.string(), z.array(stateName)).optional(),
  visits: z.array(z.strictObject({ endpoint: z.string(), states: z.array(stateName).min(1) })).optional(),
  segments: z
    .array(
      z.strictObject({
        ...range,
        from: z.string().optional(),
        flags: z.array(flagName).optional(),
        retransmit: z.boolean().optional(),
        state: stateName.optional(),
        minLen: count.optional(),
      }),
    )
    .optional(),
  drops: z
    .array(z.strictObject({ ...range, reason: z.string().optional(), from: z.string().optional() }))
    .optional(),
  app: z
    .array(
      z.strictObject({
        ...range,
        endpoint: z.string().optional(),
        event: z.string(),
        reason: z.string().optional(),
        error: z.string().optional(),
      }),
    )
    .optional(),
  integrity: z.boolean().optional(),
  received: z.record(z.string(), count).optional(),
});

export const scenarioSchema = simulationConfigObject
  // Settings a scenario file does not carry into the run (run.ts buildConfig: the command line
  // sets pacing and limits, the inspector inspection; `perturb` is a test hook).
  .omit({ wallTimeout: true, realtime: true, inspect: true, engine: true, perturb: true })
  .extend({
    name: z.string().min(1),
    description: z.string().optional(),
    /** Optional here: the command line's --seed, or 1. */
    seed: simulationConfigObject.shape.seed.optional(),
    expect: expectSchema.optional(),
  })
  .superRefine(checkSimulationConfig);

export class InputError extends Error {}

/** Validates parsed data as a scenario; throws InputError naming the bad field. */
export function validateScenario(data: unknown, source = 'scenario'): Scenario {
  const problem = firstProblem(scenarioSchema, data);
  if (problem !== undefined) throw new InputError(`${source}: ${problem}`);
  return data as Scenario;
}

/** Loads a JSON or YAML scenario file. */
export function loadScenarioFile(path: string): Scenario {
  let text: string;
  try {
    text = readCappedFile(path);
  } catch (err) {
    if (err instanceof ScenarioTextError) throw new InputError(`${path}: ${err.message}`);
    throw new InputError(`cannot read scenario file ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  return parseScenarioText(text, path, extname(path).toLowerCase() === '.json' ? 'JSON' : 'YAML');
}

/** Reads a scenario from standard input (`synack run -`): YAML, which also reads JSON. */
export function loadScenarioStdin(): Scenario {
  let text: string;
  try {
    text = readCapped(0);
  } catch (err) {
    if (err instanceof ScenarioTextError) throw new InputError(`stdin: ${err.message}`);
    throw new InputError(`cannot read a scenario from stdin: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  if (text.trim() === '') throw new InputError('stdin: no scenario (the input was empty)');
  return parseScenarioText(text, 'stdin', 'YAML');
}

function parseScenarioText(text: string, source: string, syntax: 'JSON' | 'YAML'): Scenario {
  let data: unknown;
  try {
    data = syntax === 'JSON' ? JSON.parse(text) : parseYamlChecked(text);
    // JSON.parse keeps the last of two equal keys and rounds huge integers; YAML's parser rejects both.
    if (syntax === 'JSON') checkJsonText(text);
  } catch (err) {
    if (err instanceof ScenarioTextError) throw new InputError(`${source}: ${err.message}`);
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw new InputError(`${source}: malformed ${syntax}: ${message}`);
  }
  return validateScenario(data, source);
}
