/**
 * The one schema of a simulation config (zod 4): every field, its type and its bounds, with the
 * TypeScript types inferred from it. `validateSimulationConfig` is this schema plus the checks
 * that span fields (config-checks.ts); the CLI's scenario-file schema extends the same object, so
 * a library user and `synack run FILE` get the same one-line messages (issues.ts).
 *
 * Objects are strict: an unknown field is almost always a typo ("netwrk", "jiter") that would
 * otherwise silently do nothing. Every number is bounded (LIMITS, documented in the README).
 */
import { FLAG_NAMES, type FlagName, type Profile, profiles, TCP_STATES } from '@synack/core';
import { z } from 'zod';
import type { Packet } from './types.js';

const HOUR_MS = 3_600_000;

/** The bounds of every numeric field (the README's limits table). */
export const LIMITS = {
  /** Seeds are 32-bit, like the CLI's `--seed` and a sweep's derived seeds. */
  seed: 0xffff_ffff,
  /** Link delays (delay, jitter, reorderDelay, targeted delay, SYN-flood interval): one hour, beyond any real path. */
  linkMs: HOUR_MS,
  /** Points and spans of virtual time (`at`, `after`, `maxTime`, profile timers): one year. */
  virtualMs: 365 * 24 * HOUR_MS,
  /** `wallTimeout`: one week of wall-clock time. */
  wallMs: 7 * 24 * HOUR_MS,
  /** `realtime`: how many times faster than real time virtual time may run. */
  speed: 1_000_000,
  /** `realtime`: the slowest pace, a thousand times slower than real time (slower would stall a run). */
  minSpeed: 0.001,
  /** `bandwidth`: bytes per second (1 TB/s). */
  bandwidth: 1e12,
  /** Queue lengths (queueLimit, backlog, acceptQueue), SYN-flood SYNs, `nth`. */
  count: 1_000_000,
  /** Bytes of one application SEND (the whole write is held in memory). */
  sendBytes: 64 * 1024 * 1024,
  /** A profile's retransmission counts (tcp_syn_retries, tcp_synack_retries, tcp_retries2). */
  retries: 255,
  /** SO_LINGER's seconds (Linux's l_linger is an int of seconds): one day of virtual time. */
  lingerSeconds: 86_400,
  /** `perturb`: the test hook's busy wait per reply. */
  perturbMs: 10_000,
  /** A scenario file or stdin (`synack run -`): read with this cap, never whole (1 MiB). */
  scenarioBytes: 1024 * 1024,
  /**
   * Endpoints of one run, after group expansion (endpoints share a few worker threads, about
   * 30 KB each when idle; default addresses run out at 245, groups give address templates).
   */
  endpoints: 20_000,
  /** Worker threads of one run (`threads` run option, `synack run --threads`). */
  threads: 256,
  /** Actions of a whole run, after group expansion (each host of a group has the group's). */
  runActions: 1_000_000,
  /** Endpoint pairs the topology's links cover together (a link between two groups: their product). */
  topologyPairs: 1_000_000,
  /** Groups of one run, and links of the topology section. */
  groups: 1_000,
  /** Actions and reactions of one endpoint; targeted faults of the network. */
  listEntries: 10_000,
  /** Bytes all the `send` actions of a run queue together (reactions count once each). */
  runSendBytes: 256 * 1024 * 1024,
  /** SYNs all the `syn-flood` actions of a run send together. */
  floodSyns: 1_000_000,
  /**
   * The default memory budget of a run (RunOptions.memoryBudget), in bytes of the process's
   * resident set (main thread and workers): a run above it stops with a clear error (exit 1)
   * instead of crashing out of memory. 2 GiB stays under Node's default 4 GiB heap limit.
   * A connection in the XState actor engine costs about 40 KB (a 50,000-SYN flood: 1.9 GB).
   */
  memoryBytes: 2 * 1024 * 1024 * 1024,
} as const;

// ---------------------------------------------------------------------------------------------
// Bounded numbers, each with a message that states its bounds

function numberIn(min: number, max: number, unit = ''): z.ZodNumber {
  const error = `must be between ${min} and ${max}${unit}`;
  return z.number().min(min, error).max(max, error);
}

function integerIn(min: number, max: number, unit = ''): z.ZodNumber {
  const error = `must be an integer between ${min} and ${max}${unit}`;
  return z.number().int(error).min(min, error).max(max, error);
}

function positiveUpTo(max: number, unit = ''): z.ZodNumber {
  const error = `must be greater than 0 and at most ${max}${unit}`;
  return z.number().gt(0, error).max(max, error);
}

const probability = numberIn(0, 1);
const linkMs = numberIn(0, LIMITS.linkMs, ' ms');
const virtualMs = numberIn(0, LIMITS.virtualMs, ' ms');
const port = integerIn(1, 65535);
const uint32 = integerIn(0, 0xffff_ffff);
const queueLength = integerIn(1, LIMITS.count);
const sendBytes = integerIn(1, LIMITS.sendBytes, ' bytes');
const retries = integerIn(0, LIMITS.retries);
const rtoMs = numberIn(1, LIMITS.virtualMs, ' ms');

const flagNameSchema = z.enum(FLAG_NAMES as readonly FlagName[] as [FlagName, ...FlagName[]]);
/** RFC 9293 state names, from @synack/core. */
const tcpStateSchema = z.enum(TCP_STATES);
/** A profile of @synack/core (typed as a string there too: `profiles` is a registry by name). */
const profileNameSchema = z
  .string()
  .refine((name) => Object.hasOwn(profiles, name), `must be one of ${Object.keys(profiles).join(', ')}`);
export const ipv4Schema = z.ipv4({ error: 'must be an IPv4 address such as 10.0.0.1' });
/** Endpoint ids appear in link keys ("client->server") and trace lines: a plain name. */
const endpointId = z.string().regex(/^[A-Za-z][\w-]{0,63}$/, 'must be a name such as "client"');
const connLabel = z.string().min(1).max(64);

// ---------------------------------------------------------------------------------------------
// The network

/** Gilbert–Elliott two-state burst loss. */
const burstLossSchema = z.strictObject({
  /** P(good → bad) per packet. */
  pGoodToBad: probability,
  /** P(bad → good) per packet. */
  pBadToGood: probability,
  /** Loss probability in the good state (default 0). */
  lossGood: probability.optional(),
  /** Loss probability in the bad state (default 1). */
  lossBad: probability.optional(),
});

/**
 * A one-way delay drawn per packet, in ms (replaces `delay` and `jitter` on its link). Draws come
 * from the run's seeded PRNG, so a run stays a function of its seed. Like netem's distribution
 * tables, each shape is given by its natural parameters; a draw below 0 becomes 0 and one above
 * LIMITS.linkMs becomes LIMITS.linkMs.
 */
const delayDistributionSchema = z.discriminatedUnion('kind', [
  /** Uniform in [min, max]. */
  z.strictObject({ kind: z.literal('uniform'), min: linkMs, max: linkMs }).refine((d) => d.max >= d.min, {
    message: 'max must be at least min',
    path: ['max'],
  }),
  /** Normal with this mean and standard deviation (Box–Muller, two draws), truncated at 0. */
  z.strictObject({ kind: z.literal('normal'), mean: linkMs, sd: linkMs }),
  /** Exponential with this mean (inverse CDF, one draw). */
  z.strictObject({ kind: z.literal('exponential'), mean: positiveUpTo(LIMITS.linkMs, ' ms') }),
  /** Pareto type I: minimum `scale` ms, tail index `shape` (inverse CDF, one draw); mean scale·shape/(shape−1). */
  z.strictObject({
    kind: z.literal('pareto'),
    scale: positiveUpTo(LIMITS.linkMs, ' ms'),
    shape: positiveUpTo(100, ''),
  }),
]);

/** Random faults of one link direction (README "Random faults"). */
const faultModelSchema = z
  .strictObject({
    loss: probability.optional(),
    burstLoss: burstLossSchema.optional(),
    /** Probability that a packet is held back by `reorderDelay`, so later packets overtake it. */
    reorder: probability.optional(),
    /** Default max(1, 2 × (delay + jitter)). */
    reorderDelay: linkMs.optional(),
    duplicate: probability.optional(),
    /** One-way delay, default 10 ms. */
    delay: linkMs.optional(),
    /** Extra delay drawn uniformly in [0, jitter]. */
    jitter: linkMs.optional(),
    /** Per-packet delay drawn from a distribution, instead of `delay` + uniform `jitter`. */
    delayDistribution: delayDistributionSchema.optional(),
    /** Bytes per second; unlimited when absent. */
    bandwidth: positiveUpTo(LIMITS.bandwidth, ' bytes/s').optional(),
    /** With `bandwidth`: packets that may wait for the link; more are tail-dropped. */
    queueLimit: queueLength.optional(),
  })
  .superRefine((model, ctx) => {
    if (model.queueLimit !== undefined && model.bandwidth === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['queueLimit'],
        message: 'needs bandwidth (no queue without it)',
      });
    }
  });

/** A declarative packet matcher: every given field must match. */
const packetMatcherSchema = z.strictObject({
  from: endpointId.optional(),
  to: endpointId.optional(),
  /** All these flags set (others may be set too). */
  flags: z.array(flagNameSchema).optional(),
  /** Exactly these flags set. */
  exactFlags: z.array(flagNameSchema).optional(),
  /** The sending connection's state when it emitted the segment. */
  senderState: tcpStateSchema.optional(),
  /** Payload length at least this. */
  minLen: integerIn(0, 65535).optional(),
  /** Which match to hit: 1 = the first (default), 2 = the second, …; 0 = every match. */
  nth: integerIn(0, LIMITS.count).optional(),
});

/** A function matcher runs on the main thread and must be a pure function of the packet. */
const matcherFunctionSchema = z.custom<(packet: Packet) => boolean>((value) => typeof value === 'function');

const faultActionSchema = z.union(
  [
    z.strictObject({ drop: z.literal(true) }),
    z.strictObject({ delay: linkMs }),
    z.strictObject({ duplicate: z.literal(true) }),
  ],
  { error: 'must be exactly one of { drop: true }, { delay: ms }, { duplicate: true }' },
);

const targetedFaultSchema = z.strictObject({
  match: z.union([packetMatcherSchema, matcherFunctionSchema], {
    error: 'must be a matcher object or a function',
  }),
  action: faultActionSchema,
  /** Shown in the trace as the drop reason (`targeted: <label>`). */
  label: z.string().max(200).optional(),
});

const linkKeySchema = z
  .string()
  .regex(/^[A-Za-z][\w-]*->[A-Za-z][\w-]*$/, 'link keys look like "client->server"');

/** A default fault model, per-direction overrides ("client->server") and targeted faults. */
export const networkConfigSchema = z.strictObject({
  default: faultModelSchema.optional(),
  /** Replaces `default` entirely for that direction (no field-by-field merge). */
  links: z.record(linkKeySchema, faultModelSchema).optional(),
  faults: z.array(targetedFaultSchema).max(LIMITS.listEntries).optional(),
  /**
   * A kernel loopback link (README "Loopback"): every endpoint announces MSS 65,495 unless its
   * profileOverrides set one, and a delay left unset is 0 instead of 10 ms.
   */
  loopback: z.boolean().optional(),
});

// ---------------------------------------------------------------------------------------------
// Endpoints: the application's timeline and reactions

const at = virtualMs;

/** A segment written by hand; addresses default to this host and the `to` endpoint. */
const rawSegmentSchema = z.strictObject({
  srcAddr: ipv4Schema.optional(),
  srcPort: port,
  dstAddr: ipv4Schema.optional(),
  dstPort: port,
  seq: uint32,
  ack: uint32.optional(),
  flags: z.array(flagNameSchema),
  win: integerIn(0, 65535).optional(),
  mss: integerIn(1, 65535).optional(),
  /** Payload bytes: at most a 64 KiB IPv4 datagram minus the IPv4 and TCP headers. */
  len: integerIn(0, 65495).optional(),
});

/**
 * SO_LINGER as Linux's struct linger { l_onoff, l_linger }: on with 0 seconds makes close() abort
 * with RST (tcp_close → tcp_disconnect); on with N seconds makes close() wait until the FIN is
 * acknowledged or N seconds pass (sk_stream_wait_close). Bounded to a day of virtual time.
 */
const lingerSchema = z.strictObject({
  on: z.boolean(),
  seconds: integerIn(0, LIMITS.lingerSeconds, ' s'),
});

/** TCP_KEEPIDLE / TCP_KEEPINTVL in ms: Linux's 1 … MAX_TCP_KEEPIDLE (32,767) seconds. */
const keepaliveMs = integerIn(1000, 32_767_000, ' ms');
/** TCP_KEEPCNT: Linux's 1 … MAX_TCP_KEEPCNT (127). */
const keepaliveProbes = integerIn(1, 127);

/** What an endpoint's application does, at virtual time `at` (README "Actions"). */
const appActionSchema = z.discriminatedUnion('do', [
  z.strictObject({
    at,
    do: z.literal('listen'),
    port,
    backlog: queueLength.optional(),
    acceptQueue: queueLength.optional(),
    autoAccept: z.boolean().optional(),
    abortOnOverflow: z.boolean().optional(),
    /** Like Linux tcp_syncookies: 0 off, 1 when the SYN queue overflows, 2 always. */
    syncookies: z.literal([0, 1, 2]).optional(),
  }),
  z.strictObject({
    at,
    do: z.literal('connect'),
    /** An endpoint id or an IPv4 address. */
    to: z.string().min(1),
    port,
    localPort: port.optional(),
    as: connLabel.optional(),
  }),
  z.strictObject({
    at,
    do: z.literal('send'),
    bytes: sendBytes,
    conn: connLabel.optional(),
    /** MSG_MORE: this write is corked (only full-sized segments leave, no PSH at its end). */
    more: z.boolean().optional(),
  }),
  z.strictObject({
    at,
    do: z.literal('close'),
    conn: connLabel.optional(),
    /**
     * close() of the socket instead of the default half-close (shutdown SHUT_WR): the application
     * reads nothing more (Linux tcp_close; with profile closeUnreadReset, unread data → RST).
     */
    full: z.boolean().optional(),
  }),
  z.strictObject({ at, do: z.literal('abort'), conn: connLabel.optional() }),
  z.strictObject({ at, do: z.literal('accept'), port }),
  z.strictObject({ at, do: z.literal('receive'), conn: connLabel.optional() }),
  /**
   * Socket options on a connection (core SocketOptions): TCP_NODELAY, TCP_CORK, SO_LINGER, and
   * SO_KEEPALIVE, TCP_KEEPIDLE/INTVL/CNT, TCP_USER_TIMEOUT with the bounds of the same
   * profileOverrides fields (ms, like them).
   */
  z.strictObject({
    at,
    do: z.literal('setsockopt'),
    conn: connLabel.optional(),
    nodelay: z.boolean().optional(),
    cork: z.boolean().optional(),
    linger: lingerSchema.optional(),
    keepalive: z.boolean().optional(),
    keepaliveIdle: keepaliveMs.optional(),
    keepaliveInterval: keepaliveMs.optional(),
    keepaliveProbes: keepaliveProbes.optional(),
    userTimeout: virtualMs.optional(),
  }),
  /** The host crashes and comes back with no connection state (RFC 9293 figure 10). */
  z.strictObject({ at, do: z.literal('restart') }),
  /** A hand-made segment on the wire from this host (old duplicates, forgeries). */
  z.strictObject({ at, do: z.literal('raw'), segment: rawSegmentSchema, to: z.string().min(1).optional() }),
  /**
   * An off-path attacker's blind connection (RFC 6528 §1, Morris 1985): from two earlier
   * connections of its own (`probes`, connect labels, both ESTABLISHED) it reads the peer's ISN
   * clock — the rate between the two ISNs it saw, each timed at the middle of its handshake's
   * round trip — and extrapolates it to when its forged SYN will arrive. It sends that SYN from
   * `spoofAddr:spoofPort` (seq `isn`), never sees the SYN-ACK, and `ackAfter` ms later forges the
   * third segment: ACK = the guessed ISN + 1, with `bytes` of data.
   */
  z.strictObject({
    at,
    do: z.literal('isn-spoof'),
    to: z.string().min(1),
    port,
    probes: z.tuple([connLabel, connLabel]),
    spoofAddr: ipv4Schema,
    spoofPort: port,
    isn: uint32.optional(),
    bytes: integerIn(1, 65495),
    ackAfter: integerIn(1, 60_000).optional(),
  }),
  /** SYNs from spoofed addresses srcNet.x.y that never complete. */
  z.strictObject({
    at,
    do: z.literal('syn-flood'),
    to: z.string().min(1),
    port,
    count: integerIn(1, LIMITS.count),
    /** Virtual ms between two SYNs (default 1). */
    interval: linkMs.optional(),
    srcNet: z
      .string()
      .regex(
        /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/,
        'must be two octets such as "10.99"',
      )
      .optional(),
  }),
]);

/** What the application does, `after` ms, when a connection event happens. */
const reactionSchema = z.strictObject({
  on: z.enum(['connected', 'accept', 'peer-closed']),
  do: z.enum(['send', 'close', 'abort']),
  bytes: sendBytes.optional(),
  after: virtualMs.optional(),
});

const rtoFormulas = ['rfc6298', 'linux'] as const satisfies ReadonlyArray<Profile['rtoFormula']>;
const ccAlgorithms = ['newreno', 'cubic'] as const satisfies ReadonlyArray<Profile['cc']>;
const naglePolicies = ['rfc896', 'minshall', 'off'] as const satisfies ReadonlyArray<Profile['nagle']>;
const senderSwsRules = ['linux', 'rfc9293', 'off'] as const satisfies ReadonlyArray<Profile['senderSws']>;
const receiverSwsRules = ['linux', 'rfc9293', 'off'] as const satisfies ReadonlyArray<Profile['receiverSws']>;
const sendWindowUpdateRules = ['linux', 'rfc9293'] as const satisfies ReadonlyArray<
  Profile['sendWindowUpdate']
>;

/** Any of @synack/core's profile fields (Profile), each bounded. */
const profileOverridesSchema = z.strictObject({
  rtoInitial: rtoMs.optional(),
  rtoMin: rtoMs.optional(),
  rtoMax: rtoMs.optional(),
  rtoFormula: z.enum(rtoFormulas).optional(),
  synRetries: retries.optional(),
  synLinearTimeouts: retries.optional(),
  synackRetries: retries.optional(),
  dataRetries: retries.optional(),
  msl: virtualMs.optional(),
  timeWait: virtualMs.optional(),
  ackDelay: virtualMs.optional(),
  mss: integerIn(64, 65495).optional(),
  // Beyond 65,535 only with window scaling (RFC 7323 §2.3: at most 65,535 << 14 bytes).
  receiveBuffer: integerIn(1, 65535 * 2 ** 14).optional(),
  twoWayHandshake: z.boolean().optional(),
  finWait2Timeout: virtualMs.optional(),
  challengeAckInterval: virtualMs.optional(),
  synQueuePruning: z.boolean().optional(),
  // Socket behaviours applications rely on (issue 25): close() with unread data → RST
  closeUnreadReset: z.boolean().optional(),
  // Nagle's algorithm (core tcb/nagle.ts): 'off' is TCP_NODELAY on every connection of the endpoint.
  nagle: z.enum(naglePolicies).optional(),
  // Keepalive (RFC 1122 §4.2.3.6) and TCP_USER_TIMEOUT (RFC 5482) for every connection of the endpoint
  keepalive: z.boolean().optional(),
  keepaliveIdle: keepaliveMs.optional(),
  keepaliveInterval: keepaliveMs.optional(),
  keepaliveProbes: keepaliveProbes.optional(),
  userTimeout: virtualMs.optional(),
  // Give-up of data retransmission: a count (RFC 9293) or Linux's time model; tcp_orphan_retries
  retransmitGiveUp: z.enum(['count', 'elapsed']).optional(),
  orphanRetries: retries.optional(),
  // Linux's segment sizing and PSH marking (core tcb/push.ts)
  linuxPush: z.boolean().optional(),
  // Sender silly-window avoidance (core tcb/sender-sws.ts, RFC 9293 §3.8.6.2.1)
  senderSws: z.enum(senderSwsRules).optional(),
  // Receiver silly-window avoidance (core tcb/receive-window.ts, RFC 9293 §3.8.6.2.2)
  receiverSws: z.enum(receiverSwsRules).optional(),
  // Which ACKs may change the send window (core tcb/synchronized.ts, RFC 9293 §3.10.7.4)
  sendWindowUpdate: z.enum(sendWindowUpdateRules).optional(),
  // TCP options and the ACK policy (core options.ts, tcb/ack-policy.ts)
  timestamps: z.boolean().optional(),
  windowScaling: z.boolean().optional(),
  windowScale: integerIn(0, 14).optional(),
  sack: z.boolean().optional(),
  dsack: z.boolean().optional(),
  quickAcks: integerIn(0, 16).optional(),
  roundInitialWindow: z.boolean().optional(),
  // Congestion control and loss recovery (core congestion/, loss/)
  cc: z.enum(ccAlgorithms).optional(),
  initialWindow: integerIn(1, 1000).optional(),
  slowStartAfterIdle: z.boolean().optional(),
  rack: z.boolean().optional(),
  prr: z.boolean().optional(),
});

const endpointConfigSchema = z.strictObject({
  id: endpointId,
  /** Defaults: client 10.0.0.1, server 10.0.0.2, attacker 10.0.0.66, others 10.0.0.(10 + index). */
  address: ipv4Schema.optional(),
  /** Overrides the run's profile. */
  profile: profileNameSchema.optional(),
  profileOverrides: profileOverridesSchema.optional(),
  /** This ISN for every connection instead of RFC 6528 (teaching only). */
  fixedIsn: uint32.optional(),
  /**
   * How ISNs are chosen: 'keyed-hash' (default; RFC 6528, as Linux) or 'clock' (RFC 793's bare
   * clock, the same for every 4-tuple, so predictable by an off-path attacker; teaching only).
   */
  isnPolicy: z.enum(['keyed-hash', 'clock']).optional(),
  /** false: received data waits for a `receive` action (and shrinks the window) instead of being read at once. */
  autoRead: z.boolean().optional(),
  actions: z.array(appActionSchema).max(LIMITS.listEntries).optional(),
  reactions: z.array(reactionSchema).max(LIMITS.listEntries).optional(),
});

// ---------------------------------------------------------------------------------------------
// Many hosts: endpoint groups and the topology (groups.ts expands them)

/** An id or address with template holes ({i}, {i+N}, {i/N}, {i%N}); checked once filled. */
const template = z.string().min(1).max(100);

/** `count` endpoints from one template; host i's actions happen i × offset ms after their `at`. */
const endpointGroupSchema = endpointConfigSchema.extend({
  /** Names the group in topology links; not an endpoint id. */
  name: endpointId,
  count: integerIn(1, LIMITS.endpoints),
  /** Template of the hosts' ids, such as "client-{i}". */
  id: template,
  /** Template of the hosts' addresses, such as "10.1.{i/256}.{i%256}". */
  address: template.optional(),
  /** Per-host offset of the actions in ms (host i: i × offset later). */
  offset: numberIn(0, LIMITS.linkMs, ' ms').optional(),
});

/** Links by endpoint id or group name, both directions; a default for every other pair. */
const topologySchema = z.strictObject({
  default: faultModelSchema.optional(),
  links: z
    .array(
      faultModelSchema.safeExtend({
        /** Two endpoint ids or group names; the link's model applies both ways between every pair. */
        between: z.tuple([endpointId, endpointId], { error: 'must be two names, ["a", "b"]' }),
      }),
    )
    .max(LIMITS.groups)
    .optional(),
});

// ---------------------------------------------------------------------------------------------
// The whole run

/**
 * The config object without the checks across fields: for schemas that extend it (the CLI's
 * scenario files), which re-attach them with `.superRefine(checkSimulationConfig)`.
 */
export const simulationConfigObject = z.strictObject({
  /** Drives the fault PRNG, the ISN keys and SYN-flood sequence numbers. */
  seed: integerIn(0, LIMITS.seed),
  /** Default profile of every endpoint (default "linux"). */
  profile: profileNameSchema.optional(),
  endpoints: z
    .array(endpointConfigSchema)
    .min(1, 'must list at least one endpoint')
    .max(LIMITS.endpoints, `must list at most ${LIMITS.endpoints} endpoints`),
  /** Endpoints made from templates (groups.ts), after `endpoints`. */
  groups: z.array(endpointGroupSchema).max(LIMITS.groups).optional(),
  network: networkConfigSchema.optional(),
  /** Links per pair or per group, and a default for the rest (groups.ts). */
  topology: topologySchema.optional(),
  /** Virtual-time limit in ms (default: 30 min, or the slowest give-up of a connection opened by the last action when longer: defaultMaxTime). */
  maxTime: positiveUpTo(LIMITS.virtualMs, ' ms').optional(),
  /** Wall-clock limit in ms (default 5 min). */
  wallTimeout: positiveUpTo(LIMITS.wallMs, ' ms').optional(),
  /** Pace virtual time against the wall clock: 1 = real time, 10 = ten times faster. */
  realtime: numberIn(LIMITS.minSpeed, LIMITS.speed).optional(),
  /** Forward XState inspection events of every connection actor. */
  inspect: z.boolean().optional(),
  /** 'actor' (default): each connection an XState actor; 'table': core's lean interpreter, same trace. */
  engine: z.enum(['actor', 'table']).optional(),
  /** Test hook: endpoint id → wall-clock ms its worker busy-waits before each reply. */
  perturb: z.record(z.string(), numberIn(0, LIMITS.perturbMs, ' ms')).optional(),
});

export type SimulationConfig = z.infer<typeof simulationConfigObject>;
export type EndpointConfig = z.infer<typeof endpointConfigSchema>;
export type EndpointGroup = z.infer<typeof endpointGroupSchema>;
export type Topology = z.infer<typeof topologySchema>;
export type AppAction = z.infer<typeof appActionSchema>;
export type RawSegment = z.infer<typeof rawSegmentSchema>;
export type Reaction = z.infer<typeof reactionSchema>;
export type NetworkConfig = z.infer<typeof networkConfigSchema>;
export type FaultModel = z.infer<typeof faultModelSchema>;
export type BurstLossModel = z.infer<typeof burstLossSchema>;
export type DelayDistribution = z.infer<typeof delayDistributionSchema>;
export type PacketMatcher = z.infer<typeof packetMatcherSchema>;
export type FaultAction = z.infer<typeof faultActionSchema>;
export type TargetedFault = z.infer<typeof targetedFaultSchema>;

const DEFAULT_ADDRESSES: Readonly<Record<string, string>> = {
  client: '10.0.0.1',
  server: '10.0.0.2',
  attacker: '10.0.0.66',
};

/** Resolves each endpoint's address (explicit, well-known default, or 10.0.0.(10 + index)). */
export function endpointAddresses(
  endpoints: ReadonlyArray<Pick<EndpointConfig, 'id' | 'address'>>,
): Map<string, string> {
  const out = new Map<string, string>();
  endpoints.forEach((endpoint, index) => {
    out.set(endpoint.id, endpoint.address ?? DEFAULT_ADDRESSES[endpoint.id] ?? `10.0.0.${10 + index}`);
  });
  return out;
}
