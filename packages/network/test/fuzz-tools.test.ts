/**
 * The fuzzer's own tools, tested: each invariant checker must flag a violation planted in an
 * otherwise clean run (a checker that cannot fail proves nothing), the scenario predicates must
 * classify hand-written scenarios right, and a scenario file written for a counterexample must be
 * accepted by the CLI's own schema and reproduce the very same trace.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type RunResult,
  runSimulation,
  type SimulationConfig,
  type TraceEvent,
  toJsonLines,
} from '../src/index.js';
import { scenario } from './fuzz/arbitraries.js';
import { prepare, runCase } from './fuzz/check.js';
import {
  bothClose,
  type ConnectionSummary,
  checkRun,
  firstDifference,
  hasAborts,
  livenessApplies,
  livenessBound,
  lossBelowOne,
} from './fuzz/invariants.js';
import { type ScenarioFile, scenarioFileText, toScenarioFile } from './fuzz/scenario-file.js';

// The CLI's scenario-file schema itself (zod), so "accepted by `synack run FILE`" is checked, not
// assumed. Loaded at run time only, so that type-checking this package does not reach into
// @synack/cli's sources (nor need this package's own build for their `@synack/network` import).
const CLI_SCHEMA = new URL('../../cli/src/schema.ts', import.meta.url).href;
const { validateScenario } = (await import(CLI_SCHEMA)) as {
  validateScenario: (data: unknown, source?: string) => ScenarioFile;
};

type Send = Extract<TraceEvent, { kind: 'send' | 'deliver' | 'drop' | 'duplicate' }>;

/** Client sends 3000 bytes and closes; the server sends 2000 on accept and closes on EOF. */
function clean(extra: Partial<SimulationConfig> = {}): SimulationConfig {
  return {
    seed: 7,
    profile: 'linux',
    engine: 'table',
    endpoints: [
      {
        id: 'client',
        actions: [
          { at: 0, do: 'connect', to: 'server', port: 80, as: 'c1' },
          { at: 50, do: 'send', bytes: 3000, conn: 'c1' },
          { at: 400, do: 'close', conn: 'c1' },
        ],
      },
      {
        id: 'server',
        actions: [{ at: 0, do: 'listen', port: 80 }],
        reactions: [
          { on: 'accept', do: 'send', bytes: 2000 },
          { on: 'peer-closed', do: 'close', after: 100 },
        ],
      },
    ],
    network: { default: { delay: 10 } },
    ...extra,
  };
}

async function run(config: SimulationConfig): Promise<{ config: SimulationConfig; result: RunResult }> {
  const prepared = prepare(config);
  return { config: prepared, result: await runSimulation(prepared, { threads: 'inline' }) };
}

/** A deep copy of a result whose trace and summary can be tampered with. */
function tamper(
  result: RunResult,
  change: (trace: TraceEvent[], conns: Record<string, ConnectionSummary[]>) => void,
) {
  const copy = structuredClone(result) as RunResult;
  copy.summary = copy.trace.at(-1) as RunResult['summary'];
  change(copy.trace, copy.summary.connections as Record<string, ConnectionSummary[]>);
  return copy;
}

function sends(trace: TraceEvent[], endpoint: string): Send[] {
  return trace.filter((e): e is Send => e.kind === 'send' && e.endpoint === endpoint && e.conn !== undefined);
}

describe('the invariant checkers flag violations planted in a clean run', () => {
  it('a clean run has none, and exercises a full four-way close (FIN_WAIT_2, TIME_WAIT)', async () => {
    const { config, result } = await run(clean());
    expect(checkRun(config, result)).toEqual([]);
    expect(result.summary.final).toEqual({ client: ['CLOSED'], server: ['CLOSED'] });
    for (const state of ['FIN_WAIT_2', 'TIME_WAIT', 'LAST_ACK']) {
      expect(result.trace.some((e) => e.kind === 'state' && e.to === state)).toBe(true);
    }
  });

  const cases: Array<
    [string, (trace: TraceEvent[], conns: Record<string, ConnectionSummary[]>) => void, RegExp]
  > = [
    [
      'a corrupted byte',
      (_t, conns) => {
        conns.server[0].integrityErrors = 1;
      },
      /server 80-10\.0\.0\.1:40000: 1 received bytes differ/,
    ],
    [
      'more bytes received than the peer sent',
      (_t, conns) => {
        conns.client[0].bytesReceived = 2001;
      },
      /received 2001 bytes, more than its peer's TCP ever accepted \(2000\)/,
    ],
    [
      'a byte missing after a graceful close',
      (_t, conns) => {
        conns.server[0].bytesReceived = 2999;
      },
      /both ends closed normally but it received 2999 of the 3000 bytes client sent/,
    ],
    [
      'an ACK of data the peer never sent',
      (trace) => {
        const s = sends(trace, 'client').find((e) => e.state === 'FIN_WAIT_2' || e.state === 'TIME_WAIT')!;
        s.seg.ack = (s.seg.ack + 100_000) >>> 0;
      },
      /acknowledges a sequence number no peer connection has sent/,
    ],
    [
      'both ESTABLISHED with disagreeing sequence spaces',
      (trace) => {
        const s = sends(trace, 'server').find((e) => e.state === 'ESTABLISHED' && e.seg.len > 0)!;
        s.seg.ack = (s.seg.ack - 50_000) >>> 0;
      },
      /both ends ESTABLISHED but the ACK is outside client 40000-10\.0\.0\.2:80's sequence space/,
    ],
    [
      'an ACK number going backwards',
      (trace) => {
        const list = sends(trace, 'client').filter((e) => e.seg.flags.includes('ACK'));
        list.at(-1)!.seg.ack = list[0].seg.ack;
      },
      /ACK number went backwards/,
    ],
    [
      'a retransmitted SYN with another ISN',
      (trace) => {
        const syn = sends(trace, 'client')[0];
        trace.splice(trace.indexOf(syn) + 1, 0, {
          ...syn,
          seg: { ...syn.seg, seq: (syn.seg.seq + 1) >>> 0 },
        });
      },
      /SYN with ISN \d+, the connection's ISN is \d+/,
    ],
    [
      'TIME_WAIT without the peer’s FIN',
      (trace) => {
        const i = trace.findIndex(
          (e) => e.kind === 'deliver' && e.endpoint === 'client' && e.seg.flags.includes('FIN'),
        );
        trace.splice(i, 1);
      },
      /client 40000-10\.0\.0\.2:80 entered TIME_WAIT at t=\d+ before a FIN from its peer was delivered/,
    ],
    [
      'TIME_WAIT before our FIN was acknowledged',
      (trace) => {
        for (const e of trace) {
          if (e.kind === 'deliver' && e.endpoint === 'client') e.seg.ack = 1;
        }
      },
      /entered TIME_WAIT at t=\d+ before an ACK of its FIN \(ack ≥ \d+\) was delivered/,
    ],
    [
      'FIN_WAIT_2 before our FIN was acknowledged',
      (trace) => {
        // The client's FIN is answered by an ACK that does not cover it.
        const fin = sends(trace, 'client').find((e) => e.seg.flags.includes('FIN'))!;
        const finEnd = (fin.seg.seq + fin.seg.len + 1) >>> 0;
        for (const e of trace) {
          if (e.kind === 'deliver' && e.endpoint === 'client' && e.seg.ack === finEnd) e.seg.ack = finEnd - 1;
        }
      },
      /client 40000-10\.0\.0\.2:80 entered FIN_WAIT_2 at t=\d+ before an ACK of its FIN/,
    ],
    [
      'a normal close from LAST_ACK without our FIN acknowledged',
      (trace) => {
        const fin = sends(trace, 'server').find((e) => e.seg.flags.includes('FIN'))!;
        const finEnd = (fin.seg.seq + fin.seg.len + 1) >>> 0;
        for (const e of trace) {
          if (e.kind === 'deliver' && e.endpoint === 'server' && e.seg.ack === finEnd) e.seg.ack = finEnd - 1;
        }
      },
      /server 80-10\.0\.0\.1:40000 closed normally from LAST_ACK before an ACK of its FIN/,
    ],
    [
      'a connection left in LAST_ACK',
      (_t, conns) => {
        conns.server[0].state = 'LAST_ACK';
      },
      /server 80-10\.0\.0\.1:40000: ended the run in LAST_ACK although both applications close/,
    ],
    [
      'a timeout before the retries were exhausted',
      (_t, conns) => {
        conns.client[0].reason = 'timeout';
      },
      /closed with "timeout" after 0 data retransmissions, the profile allows 15/,
    ],
  ];

  it.for(cases)('%s', async ([, change, message]) => {
    const { config, result } = await run(clean());
    const violations = checkRun(config, tamper(result, change));
    expect(violations.join('\n')).toMatch(message);
  });

  it('a failed run, or one lasting beyond the liveness bound', async () => {
    const { config, result } = await run(clean());
    const failed = { ...result, ok: false, error: 'boom' };
    expect(checkRun(config, failed)).toContain('run failed: boom');
    expect(checkRun({ ...config, maxTime: 100 }, result).join('\n')).toMatch(
      /run lasted \d+ ms, beyond the liveness bound 100 ms/,
    );
  });

  it('determinism: the first differing line is shown', () => {
    expect(firstDifference('a\nb\nc\n', 'a\nb\nc\n')).toBeUndefined();
    expect(firstDifference('a\nb\nc\n', 'a\nx\nc\n')).toBe('line 2:\n    expected b\n    got      x');
  });
});

describe('scenario predicates', () => {
  it('liveness applies only with no abort/restart, loss < 1 and both sides bound to close', () => {
    expect(livenessApplies(clean())).toBe(true);
    const noServerClose = clean();
    noServerClose.endpoints[1].reactions = [{ on: 'accept', do: 'send', bytes: 10 }];
    expect(bothClose(noServerClose)).toBe(false);
    const abort = clean();
    abort.endpoints[0].actions!.push({ at: 100, do: 'abort', conn: 'c1' });
    expect(hasAborts(abort)).toBe(true);
    expect(livenessApplies(abort)).toBe(false);
    expect(hasAborts(clean({ endpoints: [{ id: 'server', actions: [{ at: 5, do: 'restart' }] }] }))).toBe(
      true,
    );
    expect(lossBelowOne(clean({ network: { default: { loss: 1 } } }))).toBe(false);
    expect(
      lossBelowOne(
        clean({
          network: { links: { 'client->server': { burstLoss: { pGoodToBad: 0.1, pBadToGood: 0 } } } },
        }),
      ),
    ).toBe(false);
    expect(
      lossBelowOne(
        clean({ network: { default: { loss: 0.99, burstLoss: { pGoodToBad: 1, pBadToGood: 0.01 } } } }),
      ),
    ).toBe(true);
  });

  it('a client CLOSE before its connect() does not count; one at the same instant after it does', () => {
    const early = clean();
    early.endpoints[0].actions = [
      { at: 5, do: 'connect', to: 'server', port: 80, as: 'c1' },
      { at: 4, do: 'close', conn: 'c1' },
    ];
    expect(bothClose(early)).toBe(false);
    early.endpoints[0].actions[1] = { at: 5, do: 'close', conn: 'c1' };
    expect(bothClose(early)).toBe(true);
  });

  it('two passive closers wait for each other: no liveness', () => {
    const passive = clean();
    passive.endpoints[0].actions = [{ at: 0, do: 'connect', to: 'server', port: 80, as: 'c1' }];
    passive.endpoints[0].reactions = [{ on: 'peer-closed', do: 'close' }];
    expect(bothClose(passive)).toBe(false);
    passive.endpoints[1].reactions = [{ on: 'accept', do: 'close', after: 100 }];
    expect(bothClose(passive)).toBe(true);
  });

  it('the liveness bound covers the profile retry schedules and TIME_WAIT', () => {
    const linux = livenessBound(clean());
    const rfc = livenessBound(clean({ profile: 'rfc9293' }));
    // connect() timeout (131 s on linux) + a full data retransmission schedule + TIME_WAIT, at least.
    expect(linux).toBeGreaterThan(131_000 + 16 * 120_000 + 60_000);
    expect(rfc).toBeGreaterThan(183_000 + 16 * 60_000 + 240_000);
    // More bytes, more progress steps: a larger bound.
    const bulk = clean();
    (bulk.endpoints[0].actions![1] as { bytes: number }).bytes = 60_000;
    expect(livenessBound(bulk)).toBeGreaterThan(linux);
  });
});

describe('scenario files for counterexamples', () => {
  /** What `synack run FILE` builds from a scenario (packages/cli/src/run.ts buildConfig, no flags). */
  function asCliWould(file: ScenarioFile): SimulationConfig {
    return {
      seed: file.seed ?? 1,
      profile: file.profile ?? 'linux',
      endpoints: file.endpoints,
      network: { ...(file.network ?? {}), default: { ...(file.network?.default ?? {}) } },
      maxTime: file.maxTime,
    };
  }

  it('random scenarios → files the CLI schema accepts, which replay to the identical trace', async () => {
    const configs = fc.sample(scenario({ engine: 'table' }), { numRuns: 25, seed: 4242 });
    for (const config of configs) {
      const outcome = await runCase(config);
      const text = scenarioFileText(toScenarioFile(outcome.config, { result: outcome.result }));
      const file = validateScenario(JSON.parse(text), 'fuzz-case.json');
      // The CLI runs the default actor engine across worker threads: the same trace.
      const replay = await runSimulation(asCliWould(file), { threads: 'inline' });
      const diff = firstDifference(toJsonLines(outcome.result.trace), toJsonLines(replay.trace));
      expect(diff, text).toBeUndefined();
    }
  });

  it('states the invariants as expectations: completes, integrity, all CLOSED, exact byte counts', async () => {
    const { config, result } = await run(clean());
    const file = toScenarioFile(config, { name: 'case', description: 'why', result });
    expect(file).toMatchObject({
      name: 'case',
      description: 'why',
      seed: 7,
      profile: 'linux',
      maxTime: config.maxTime,
      expect: {
        ok: true,
        integrity: true,
        final: { client: ['CLOSED'], server: ['CLOSED'] },
        received: { client: 2000, server: 3000 },
      },
    });
    // Fields the file format does not have are left out.
    expect(file).not.toHaveProperty('engine');
    expect(() => validateScenario(file)).not.toThrow();
  });
});
