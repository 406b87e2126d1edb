/**
 * Scenario files (JSON or YAML) validated with zod. Unknown fields are
 * errors (a typo must not silently change an experiment), and every error
 * names the path of the offending field.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { TCP_STATES } from '@synack/core';
import { endpointAddresses } from '@synack/network';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Scenario } from './scenarios.js';

const probability = z.number().min(0).max(1);
const ms = z.number().min(0).finite();
const port = z.number().int().min(1).max(65535);
const flagName = z.enum(['SYN', 'ACK', 'FIN', 'RST', 'PSH']);
const stateName = z.enum(TCP_STATES);
const ipv4 = z
  .string()
  .regex(
    /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/,
    'must be an IPv4 address',
  );
const uint32 = z.number().int().min(0).max(0xffff_ffff);

export const faultModelSchema = z.strictObject({
  loss: probability.optional(),
  burstLoss: z
    .strictObject({
      pGoodToBad: probability,
      pBadToGood: probability,
      lossGood: probability.optional(),
      lossBad: probability.optional(),
    })
    .optional(),
  reorder: probability.optional(),
  reorderDelay: ms.optional(),
  duplicate: probability.optional(),
  delay: ms.optional(),
  jitter: ms.optional(),
  bandwidth: z.number().positive().finite().optional(),
  queueLimit: z.number().int().min(1).optional(),
});

const matcherSchema = z.strictObject({
  from: z.string().optional(),
  to: z.string().optional(),
  flags: z.array(flagName).optional(),
  exactFlags: z.array(flagName).optional(),
  senderState: stateName.optional(),
  minLen: z.number().int().min(0).optional(),
  nth: z.number().int().min(0).optional(),
});

const faultActionSchema = z.union([
  z.strictObject({ drop: z.literal(true) }),
  z.strictObject({ delay: ms }),
  z.strictObject({ duplicate: z.literal(true) }),
]);

const at = ms;
const connLabel = z.string().min(1).optional();

const actionSchema = z.discriminatedUnion('do', [
  z.strictObject({
    at,
    do: z.literal('listen'),
    port,
    backlog: z.number().int().min(1).optional(),
    acceptQueue: z.number().int().min(1).optional(),
    autoAccept: z.boolean().optional(),
    abortOnOverflow: z.boolean().optional(),
    syncookies: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
  }),
  z.strictObject({
    at,
    do: z.literal('connect'),
    to: z.string().min(1),
    port,
    localPort: port.optional(),
    as: z.string().min(1).optional(),
  }),
  z.strictObject({ at, do: z.literal('send'), bytes: z.number().int().min(1), conn: connLabel }),
  z.strictObject({ at, do: z.literal('close'), conn: connLabel }),
  z.strictObject({ at, do: z.literal('abort'), conn: connLabel }),
  z.strictObject({ at, do: z.literal('receive'), conn: connLabel }),
  z.strictObject({ at, do: z.literal('accept'), port }),
  z.strictObject({ at, do: z.literal('restart') }),
  z.strictObject({
    at,
    do: z.literal('raw'),
    to: z.string().optional(),
    segment: z.strictObject({
      srcAddr: ipv4.optional(),
      srcPort: port,
      dstAddr: ipv4.optional(),
      dstPort: port,
      seq: uint32,
      ack: uint32.optional(),
      flags: z.array(flagName),
      win: z.number().int().min(0).max(65535).optional(),
      mss: z.number().int().min(1).max(65535).optional(),
      len: z.number().int().min(0).max(65495).optional(),
    }),
  }),
  z.strictObject({
    at,
    do: z.literal('syn-flood'),
    to: z.string().min(1),
    port,
    count: z.number().int().min(1).max(1_000_000),
    interval: ms.optional(),
    srcNet: z
      .string()
      .regex(/^\d{1,3}\.\d{1,3}$/, 'must be two octets such as "10.99"')
      .optional(),
  }),
]);

const reactionSchema = z.strictObject({
  on: z.enum(['connected', 'accept', 'peer-closed']),
  do: z.enum(['send', 'close', 'abort']),
  bytes: z.number().int().min(1).optional(),
  after: ms.optional(),
});

const profileOverridesSchema = z.strictObject({
  rtoInitial: ms.optional(),
  rtoMin: ms.optional(),
  rtoMax: ms.optional(),
  synRetries: z.number().int().min(0).max(255).optional(),
  synLinearTimeouts: z.number().int().min(0).max(255).optional(),
  synackRetries: z.number().int().min(0).max(255).optional(),
  dataRetries: z.number().int().min(0).max(255).optional(),
  msl: ms.optional(),
  timeWait: ms.optional(),
  ackDelay: ms.optional(),
  mss: z.number().int().min(64).max(65495).optional(),
  receiveBuffer: z.number().int().min(1).max(65535).optional(),
});

const endpointSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z][\w-]*$/, 'must be a name such as "client"'),
  address: ipv4.optional(),
  profile: z.enum(['linux', 'rfc9293']).optional(),
  profileOverrides: profileOverridesSchema.optional(),
  fixedIsn: uint32.optional(),
  actions: z.array(actionSchema).optional(),
  reactions: z.array(reactionSchema).optional(),
});

const range = { min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() };

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
        minLen: z.number().int().min(0).optional(),
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
  received: z.record(z.string(), z.number().int().min(0)).optional(),
});

export const scenarioSchema = z
  .strictObject({
    name: z.string().min(1),
    description: z.string().optional(),
    seed: z.number().int().min(0).max(0xffff_ffff).optional(),
    profile: z.enum(['linux', 'rfc9293']).optional(),
    endpoints: z.array(endpointSchema).min(1),
    network: z
      .strictObject({
        default: faultModelSchema.optional(),
        links: z
          .record(
            z.string().regex(/^[\w-]+->[\w-]+$/, 'link keys look like "client->server"'),
            faultModelSchema,
          )
          .optional(),
        faults: z
          .array(
            z.strictObject({ match: matcherSchema, action: faultActionSchema, label: z.string().optional() }),
          )
          .optional(),
      })
      .optional(),
    maxTime: z.number().positive().finite().optional(),
    expect: expectSchema.optional(),
  })
  .superRefine((scenario, ctx) => {
    const ids = new Set<string>();
    scenario.endpoints.forEach((endpoint, i) => {
      if (ids.has(endpoint.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['endpoints', i, 'id'],
          message: `"${endpoint.id}" is used twice`,
        });
      }
      ids.add(endpoint.id);
    });
    const addresses = endpointAddresses(scenario.endpoints);
    const owner = new Map<string, string>();
    scenario.endpoints.forEach((endpoint, i) => {
      const address = addresses.get(endpoint.id)!;
      const other = owner.get(address);
      if (other !== undefined && other !== endpoint.id) {
        ctx.addIssue({
          code: 'custom',
          path: ['endpoints', i, 'address'],
          message: `${address} is also the address of "${other}"`,
        });
      }
      owner.set(address, endpoint.id);
    });
    for (const key of Object.keys(scenario.network?.links ?? {})) {
      for (const id of key.split('->')) {
        if (!ids.has(id)) {
          ctx.addIssue({
            code: 'custom',
            path: ['network', 'links', key],
            message: `"${id}" is not an endpoint id`,
          });
        }
      }
    }
    (scenario.network?.faults ?? []).forEach((fault, i) => {
      for (const side of ['from', 'to'] as const) {
        const id = fault.match[side];
        if (id !== undefined && !ids.has(id)) {
          ctx.addIssue({
            code: 'custom',
            path: ['network', 'faults', i, 'match', side],
            message: `"${id}" is not an endpoint id`,
          });
        }
      }
    });
    scenario.endpoints.forEach((endpoint, i) => {
      (endpoint.actions ?? []).forEach((action, j) => {
        if (
          (action.do === 'connect' || action.do === 'syn-flood') &&
          !ids.has(action.to) &&
          !ipv4.safeParse(action.to).success
        ) {
          ctx.addIssue({
            code: 'custom',
            path: ['endpoints', i, 'actions', j, 'to'],
            message: `"${action.to}" is neither an endpoint id nor an IPv4 address`,
          });
        }
      });
    });
  });

export class InputError extends Error {}

/** Formats the first zod issue as "path.to.field: message". */
export function formatIssue(issue: z.core.$ZodIssue, prefix = ''): string {
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  const where = `${prefix}${path}`.replace(/^\./, '') || '(root)';
  return `${where}: ${issue.message}`;
}

/** Validates parsed data as a scenario; throws InputError naming the bad field. */
export function validateScenario(data: unknown, source = 'scenario'): Scenario {
  const result = scenarioSchema.safeParse(data);
  if (!result.success) {
    throw new InputError(`${source}: ${formatIssue(result.error.issues[0])}`);
  }
  return result.data as Scenario;
}

/** Loads a JSON or YAML scenario file. */
export function loadScenarioFile(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read scenario file ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  let data: unknown;
  const ext = extname(path).toLowerCase();
  try {
    data = ext === '.json' ? JSON.parse(text) : parseYaml(text, { prettyErrors: false });
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw new InputError(`${path}: malformed ${ext === '.json' ? 'JSON' : 'YAML'}: ${message}`);
  }
  return validateScenario(data, path);
}
