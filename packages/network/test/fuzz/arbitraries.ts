/**
 * fast-check generators of whole simulation scenarios: a client and a server endpoint with random
 * application timelines (connect, sends at random times, closes, aborts, reactions), a random
 * fault model (loss < 1, Gilbert–Elliott burst loss, reordering, duplication, delay, jitter,
 * bandwidth and queue, per-direction overrides, targeted faults), profiles and seeds.
 *
 * Everything generated stays inside the CLI's scenario-file schema (packages/cli/src/schema.ts),
 * so any counterexample can be printed as a file that `synack run FILE` accepts. Values are
 * integers or whole percentages so shrunk counterexamples read well.
 */
import { TCP_STATES } from '@synack/core';
import fc from 'fast-check';
import type {
  AppAction,
  BurstLossModel,
  EndpointConfig,
  FaultAction,
  FaultModel,
  NetworkConfig,
  PacketMatcher,
  Reaction,
  SimulationConfig,
  TargetedFault,
} from '../../src/index.js';

export const PORT = 80;

export type Engine = 'table' | 'actor';

export interface ScenarioOptions {
  /** Interpreter inside each endpoint (traces are identical; `table` is several times faster). */
  engine?: Engine;
  /** Generate ABORT calls (actions and reactions) and host restarts. Default true. */
  aborts?: boolean;
  /** Both sides always have a close that is guaranteed to run (so liveness applies). Default false. */
  closers?: boolean;
  /** Targeted faults. Default true. */
  targeted?: boolean;
}

/** `senderState` values for generated matchers: every state but CLOSED and LISTEN. */
const STATES = TCP_STATES.filter((state) => state !== 'CLOSED' && state !== 'LISTEN');

/** A probability in whole percent, at most `max` %. Shrinks towards 0. */
const percent = (max: number, min = 0) => fc.integer({ min, max }).map((p) => p / 100);

const ms = (max: number, min = 0) => fc.integer({ min, max });

/** Drop `undefined` values so the object matches the strict scenario schema and prints cleanly. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

// ---------------------------------------------------------------------------------------------
// Network

const burstLoss: fc.Arbitrary<BurstLossModel> = fc.record(
  {
    pGoodToBad: percent(30),
    // Never 0: a link that can never leave the bad state would be a loss of 1.
    pBadToGood: percent(100, 5),
    lossGood: percent(10),
    lossBad: percent(100, 50),
  },
  { requiredKeys: ['pGoodToBad', 'pBadToGood'] },
);

const linkQueue = fc.record(
  { bandwidth: fc.integer({ min: 2_000, max: 2_000_000 }), queueLimit: fc.integer({ min: 1, max: 30 }) },
  { requiredKeys: ['bandwidth'] },
);

/** A random fault model of one direction. Every loss probability stays below 1. */
export const faultModel: fc.Arbitrary<FaultModel> = fc
  .tuple(
    fc.record(
      {
        loss: percent(60),
        burstLoss,
        reorder: percent(50),
        reorderDelay: ms(300),
        duplicate: percent(30),
        delay: ms(80),
        jitter: ms(40),
      },
      { requiredKeys: [] },
    ),
    maybe(linkQueue, 'rarely'),
  )
  .map(([model, queue]) => compact({ ...model, ...queue }));

const flagNames = fc.subarray(['SYN', 'ACK', 'FIN', 'RST', 'PSH'] as const, { minLength: 1 });
const exactFlags = fc.constantFrom(
  ['SYN'],
  ['SYN', 'ACK'],
  ['ACK'],
  ['ACK', 'PSH'],
  ['ACK', 'FIN'],
  ['ACK', 'FIN', 'PSH'],
  ['RST'],
);

const nth = fc.integer({ min: 0, max: 6 });
const side = fc.constantFrom('client', 'server');

/**
 * Matchers of one or two fields plus `nth` (0 = every match: a whole class of segments is lost,
 * and the connection then times out), so that most of them hit something.
 */
const matcher: fc.Arbitrary<PacketMatcher> = fc.oneof(
  fc.record({ from: side, exactFlags: exactFlags.map((f) => [...f]), nth }),
  fc.record({ from: side, flags: flagNames.map((f) => [...f]), nth }),
  fc.record({ senderState: fc.constantFrom(...STATES), nth }),
  fc.record({ from: side, minLen: ms(1460, 1), nth }),
  fc.record({ exactFlags: exactFlags.map((f) => [...f]) }),
) as fc.Arbitrary<PacketMatcher>;

const faultAction: fc.Arbitrary<FaultAction> = fc.oneof(
  fc.constant({ drop: true as const }),
  ms(3000).map((delay) => ({ delay })),
  fc.constant({ duplicate: true as const }),
);

const targetedFault: fc.Arbitrary<TargetedFault> = fc.record({ match: matcher, action: faultAction });

export function network(options: ScenarioOptions = {}): fc.Arbitrary<NetworkConfig> {
  return fc
    .record(
      {
        default: faultModel,
        links: fc.record(
          { 'client->server': faultModel, 'server->client': faultModel },
          { requiredKeys: [] },
        ),
        faults:
          options.targeted === false
            ? fc.constant([] as TargetedFault[])
            : fc.array(targetedFault, { minLength: 1, maxLength: 3 }),
      },
      { requiredKeys: [] },
    )
    .map((net) => {
      const out = compact(net);
      if (out.links && Object.keys(out.links).length === 0) delete out.links;
      if (out.faults && out.faults.length === 0) delete out.faults;
      return out;
    });
}

// ---------------------------------------------------------------------------------------------
// Applications

/** Bytes of one SEND: mostly a few segments, now and then a bulk transfer. */
const bytes = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 8000 }), weight: 6 },
  { arbitrary: fc.integer({ min: 8001, max: 60_000 }), weight: 1 },
);

const send = (maxAt: number, conn?: string): fc.Arbitrary<AppAction> =>
  fc
    .record({ at: ms(maxAt), bytes })
    .map(({ at, bytes }) =>
      conn ? { at, do: 'send' as const, bytes, conn } : { at, do: 'send' as const, bytes },
    );

const at = (max: number, kind: 'close' | 'abort', conn?: string): fc.Arbitrary<AppAction> =>
  ms(max).map((t) => (conn ? { at: t, do: kind, conn } : { at: t, do: kind }));

const reaction = (on: Reaction['on'], kind: Reaction['do']): fc.Arbitrary<Reaction> =>
  fc
    .record(
      { after: ms(2000), bytes: kind === 'send' ? bytes : fc.constant(undefined) },
      { requiredKeys: ['bytes'] },
    )
    .map(({ after, bytes }) => compact({ on, do: kind, ...(bytes !== undefined ? { bytes } : {}), after }));

/**
 * An optional part of a scenario: present "often" (3 in 4), "sometimes" (1 in 2) or "rarely"
 * (1 in 6) or "seldom" (1 in 16). Shrinking tries `undefined` first, so counterexamples lose the parts they don't need.
 */
function maybe<T>(
  arb: fc.Arbitrary<T>,
  present: 'often' | 'sometimes' | 'rarely' | 'seldom',
): fc.Arbitrary<T | undefined> {
  const [yes, no] = { often: [3, 1], sometimes: [1, 1], rarely: [1, 5], seldom: [1, 15] }[present];
  return fc.oneof(
    { withCrossShrink: true },
    { arbitrary: fc.constant(undefined), weight: no },
    { arbitrary: arb, weight: yes },
  );
}

function defined<T>(list: Array<T | undefined>): T[] {
  return list.filter((x): x is T => x !== undefined);
}

const profileName = fc.constantFrom('linux', 'rfc9293');

/** Shorter retry schedules now and then, so timeouts (and what follows them) are common and quick. */
const profileOverrides = fc.record(
  {
    synRetries: fc.integer({ min: 0, max: 3 }),
    synackRetries: fc.integer({ min: 0, max: 3 }),
    dataRetries: fc.integer({ min: 1, max: 5 }),
  },
  { requiredKeys: [] },
);

/**
 * One client connection, labelled with `as` (so its actions name it whatever the order in which
 * connections open): a connect, sends, a close, rarely an abort — all at absolute times.
 */
function connection(label: 'c1' | 'c2', options: ScenarioOptions): fc.Arbitrary<AppAction[]> {
  const aborts = options.aborts ?? true;
  return fc
    .record({
      connectAt: ms(label === 'c1' ? 200 : 3000),
      sends: fc.array(send(3000, label), { maxLength: 4 }),
      close: options.closers ? at(4000, 'close', label) : maybe(at(4000, 'close', label), 'often'),
      abort: aborts ? maybe(at(4000, 'abort', label), 'seldom') : fc.constant(undefined),
    })
    .map((c) => [
      { at: c.connectAt, do: 'connect' as const, to: 'server', port: PORT, as: label },
      ...c.sends,
      ...defined([c.close, c.abort]),
    ]);
}

function client(options: ScenarioOptions): fc.Arbitrary<EndpointConfig> {
  const aborts = options.aborts ?? true;
  const none = fc.constant(undefined);
  return fc
    .record({
      first: connection('c1', options),
      second: maybe(connection('c2', options), 'rarely'),
      restart: aborts
        ? maybe(
            ms(4000).map((t) => ({ at: t, do: 'restart' as const })),
            'seldom',
          )
        : none,
      onConnectedSend: maybe(reaction('connected', 'send'), 'sometimes'),
      onConnectedClose: maybe(reaction('connected', 'close'), 'rarely'),
      onConnectedAbort: aborts ? maybe(reaction('connected', 'abort'), 'seldom') : none,
      onPeerClosedSend: maybe(reaction('peer-closed', 'send'), 'rarely'),
      onPeerClosedClose: maybe(reaction('peer-closed', 'close'), 'sometimes'),
      profile: maybe(profileName, 'rarely'),
      profileOverrides: maybe(profileOverrides, 'rarely'),
    })
    .map((c) =>
      compact({
        id: 'client',
        profile: c.profile,
        profileOverrides: c.profileOverrides,
        actions: [...c.first, ...(c.second ?? []), ...defined([c.restart])],
        reactions: defined([
          c.onConnectedSend,
          c.onConnectedClose,
          c.onConnectedAbort,
          c.onPeerClosedSend,
          c.onPeerClosedClose,
        ]),
      }),
    );
}

/** How the server opens: a listener (with, rarely, a tiny backlog, SYN cookies, manual accepts). */
const listen = fc
  .record(
    {
      backlog: fc.integer({ min: 1, max: 3 }),
      syncookies: fc.constantFrom(0 as const, 1 as const, 2 as const),
      manual: fc.record({
        acceptQueue: fc.integer({ min: 1, max: 2 }),
        accepts: fc.array(ms(4000), { minLength: 1, maxLength: 3 }),
      }),
    },
    { requiredKeys: [] },
  )
  .map(({ backlog, syncookies, manual }) => {
    const action: AppAction = compact({
      at: 0,
      do: 'listen' as const,
      port: PORT,
      backlog,
      syncookies,
      ...(manual ? { autoAccept: false, acceptQueue: manual.acceptQueue } : {}),
    });
    const accepts = (manual?.accepts ?? []).map((t): AppAction => ({ at: t, do: 'accept', port: PORT }));
    return [action, ...accepts];
  });

function server(options: ScenarioOptions): fc.Arbitrary<EndpointConfig> {
  const aborts = options.aborts ?? true;
  const none = fc.constant(undefined);
  return fc
    .record({
      open: fc.oneof(
        { arbitrary: fc.constant([{ at: 0, do: 'listen' as const, port: PORT }] as AppAction[]), weight: 6 },
        { arbitrary: listen, weight: 2 },
      ),
      // Actions without `conn` apply to the most recently accepted connection; before the first
      // accept they fail ("send: no open connection"), which is part of what is exercised.
      sends: fc.array(send(3000), { maxLength: 3 }),
      close: maybe(at(4000, 'close'), 'rarely'),
      abort: aborts ? maybe(at(4000, 'abort'), 'seldom') : none,
      restart: aborts
        ? maybe(
            ms(4000).map((t) => ({ at: t, do: 'restart' as const })),
            'seldom',
          )
        : none,
      onAcceptSend: maybe(reaction('accept', 'send'), 'often'),
      onAcceptClose: maybe(reaction('accept', 'close'), 'rarely'),
      onAcceptAbort: aborts ? maybe(reaction('accept', 'abort'), 'seldom') : none,
      onPeerClosedSend: maybe(reaction('peer-closed', 'send'), 'sometimes'),
      onPeerClosedClose: options.closers
        ? reaction('peer-closed', 'close')
        : maybe(reaction('peer-closed', 'close'), 'often'),
      profile: maybe(profileName, 'rarely'),
      profileOverrides: maybe(profileOverrides, 'rarely'),
    })
    .map((s) =>
      compact({
        id: 'server',
        profile: s.profile,
        profileOverrides: s.profileOverrides,
        actions: [...s.open, ...s.sends, ...defined([s.close, s.abort, s.restart])],
        reactions: defined([
          s.onAcceptSend,
          s.onAcceptClose,
          s.onAcceptAbort,
          s.onPeerClosedSend,
          s.onPeerClosedClose,
        ]),
      }),
    );
}

/** Ports of a simultaneous open (RFC 9293 figure 7): each side connects to the other's. */
export const SIMULTANEOUS = { client: 4001, server: 5001 };

/**
 * Turns a client/server scenario into a simultaneous open: no listener, the server connects to
 * the client's port from its own as the client connects to it (the SYNs cross when their timing
 * allows; otherwise one side is refused).
 */
function simultaneous(client: EndpointConfig, server: EndpointConfig, serverAt: number) {
  const c = {
    ...client,
    actions: (client.actions ?? []).map((a) =>
      a.do === 'connect' && a.as === 'c1'
        ? { ...a, port: SIMULTANEOUS.server, localPort: SIMULTANEOUS.client }
        : a,
    ),
  };
  const s = {
    ...server,
    actions: [
      {
        at: serverAt,
        do: 'connect' as const,
        to: 'client',
        port: SIMULTANEOUS.client,
        localPort: SIMULTANEOUS.server,
        as: 'c1',
      },
      ...(server.actions ?? []).filter((a) => a.do !== 'listen' && a.do !== 'accept'),
    ],
  };
  return [c, s];
}

/** A whole random scenario: two endpoints, a network, a profile and a seed. */
export function scenario(options: ScenarioOptions = {}): fc.Arbitrary<SimulationConfig> {
  return fc
    .record({
      seed: fc.integer({ min: 0, max: 0xffff_ffff }),
      profile: profileName,
      client: client(options),
      server: server(options),
      network: network(options),
      // Rarely a simultaneous open instead of a listener: when the server calls connect().
      simultaneous: maybe(ms(60), 'seldom'),
    })
    .map(({ seed, profile, client, server, network, simultaneous: serverAt }) => ({
      seed,
      profile,
      engine: options.engine ?? 'table',
      endpoints: serverAt === undefined ? [client, server] : simultaneous(client, server, serverAt),
      network,
    }));
}
