import { afterEach, describe, expect, it } from 'vitest';
import {
  liveWorkerCount,
  type RunResult,
  runSimulation,
  type SimulationConfig,
  toJsonLines,
  validateSimulationConfig,
} from '../src/index.js';
import { lifecycle, TIME_WAIT } from './helpers.js';

// Every run, whatever happened to it, must leave no worker thread behind.
afterEach(() => {
  expect(liveWorkerCount()).toBe(0);
});

/**
 * A hang guard, not a timing assertion: generous, since a loaded machine can be many times slower
 * than an idle one, and under the 60 s test timeout so a hang is reported as one.
 */
const HANG_MS = 50_000;

/** Rejects if `promise` has not settled within `ms` of wall-clock time (turns a hang into a failure). */
function within<T>(promise: Promise<T>, ms = HANG_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function expectFailedSummary(result: RunResult, error: RegExp | string): void {
  expect(result.ok).toBe(false);
  expect(result.error).toMatch(error);
  const last = result.trace.at(-1)!;
  expect(last).toBe(result.summary);
  expect(last).toMatchObject({ kind: 'summary', endpoint: '*', ok: false, error: result.error });
}

describe('a worker that crashes mid-run', () => {
  it('resolves (no hang) with ok false, an error naming "server", and no live worker left', async () => {
    const result = await within(runSimulation(lifecycle('linux'), { crash: { endpoint: 'server', at: 50 } }));
    expectFailedSummary(result, /endpoint "server"/);
    expect(result.error).toMatch(/crashed/);
    // The run stopped at the server's first step at or after 50 ms, long before the close.
    expect(result.summary.t).toBeGreaterThanOrEqual(50);
    expect(result.summary.t).toBeLessThan(1000);
    // No report could be collected, so every endpoint's final list is empty.
    expect(result.summary.final).toEqual({ client: [], server: [] });
    expect(result.reports).toEqual([]);
    expect(liveWorkerCount()).toBe(0);
  });

  it('crashing the client instead names "client"', async () => {
    const result = await within(runSimulation(lifecycle('linux'), { crash: { endpoint: 'client', at: 0 } }));
    expectFailedSummary(result, /endpoint "client"/);
    expect(liveWorkerCount()).toBe(0);
  });

  it("fails the same way with threads: 'inline'", async () => {
    const result = await runSimulation(lifecycle('linux'), {
      threads: 'inline',
      crash: { endpoint: 'server', at: 50 },
    });
    expectFailedSummary(result, /endpoint "server": crashed/);
  });
});

describe('limits', () => {
  it('a maxTime shorter than TIME_WAIT ends the run with ok false and a virtual-time-limit error', async () => {
    const result = await runSimulation(lifecycle('linux', { maxTime: 10_000 }));
    expectFailedSummary(result, 'virtual-time limit of 10000 ms reached');
    // The message says which event would have crossed the limit: the TIME_WAIT expiry.
    const timeWaitAt = result.trace.find((e) => e.kind === 'state' && e.to === 'TIME_WAIT')!.t;
    expect(result.error).toContain(`next event at ${timeWaitAt + TIME_WAIT.linux} ms`);
    // The summary carries the last instant that was processed (the server's LAST_ACK -> CLOSED).
    expect(result.summary.t).toBe(result.trace.at(-2)!.t);
    expect(result.summary.t).toBe(
      result.trace.find((e) => e.kind === 'state' && e.endpoint === 'server' && e.to === 'CLOSED')!.t,
    );
    expect(result.summary.t).toBeLessThanOrEqual(10_000);
  });

  it('rfc9293: a peer that never closes leaves the run quiescent and ok, with FIN_WAIT_2 / CLOSE_WAIT final states', async () => {
    const config = lifecycle('rfc9293');
    config.endpoints[1].reactions = [{ on: 'accept', do: 'send', bytes: 1024 }];
    const result = await runSimulation(config);
    // RFC 9293 has no FIN_WAIT_2 timeout: with no timer pending anywhere the run simply ends.
    expect(result.ok).toBe(true);
    expect(result.summary.final).toEqual({ client: ['FIN_WAIT_2'], server: ['CLOSE_WAIT'] });
  });

  it('linux: the closed client whose peer never closes is dropped 60 s into FIN_WAIT_2 (tcp_fin_timeout)', async () => {
    const config = lifecycle('linux');
    config.endpoints[1].reactions = [{ on: 'accept', do: 'send', bytes: 1024 }];
    const result = await runSimulation(config);
    expect(result.ok).toBe(true);
    expect(result.summary.final).toEqual({ client: ['CLOSED'], server: ['CLOSE_WAIT'] });
    const entered = result.trace.find(
      (e) => e.kind === 'state' && e.endpoint === 'client' && e.to === 'FIN_WAIT_2',
    );
    const closed = result.trace.find(
      (e) => e.kind === 'app' && e.endpoint === 'client' && e.event === 'closed',
    );
    expect(closed).toMatchObject({ reason: 'timeout' });
    expect(closed!.t - entered!.t).toBe(60_000);
  });

  it('the wall-clock limit ends a paced run with ok false', async () => {
    const result = await runSimulation({ ...lifecycle('linux'), realtime: 1, wallTimeout: 5 });
    expectFailedSummary(result, /^wall-clock limit of 5 ms reached at virtual time \d+ ms$/);
  });

  it('an aborted signal ends the run with "run aborted"', async () => {
    const controller = new AbortController();
    const result = await runSimulation(lifecycle('linux'), {
      signal: controller.signal,
      beforeStep: (t) => {
        if (t >= 100) controller.abort();
      },
    });
    expectFailedSummary(result, 'run aborted');
    expect(result.summary.t).toBeLessThan(1000);
  });
});

describe('invalid configs are rejected before any worker starts, naming the field', () => {
  const base = () => lifecycle('linux');
  const cases: Array<[string, (c: SimulationConfig) => SimulationConfig, string | RegExp]> = [
    [
      'duplicate endpoint ids',
      (c) => ({ ...c, endpoints: [c.endpoints[0], { ...c.endpoints[1], id: 'client' }] }),
      'endpoints[1].id: "client" is used twice',
    ],
    [
      'loss 1.5',
      (c) => ({ ...c, network: { default: { loss: 1.5 } } }),
      'network.default.loss: must be between 0 and 1, got 1.5',
    ],
    [
      'loss 1.5 on a link',
      (c) => ({ ...c, network: { links: { 'client->server': { loss: 1.5 } } } }),
      'network.links.client->server.loss: must be between 0 and 1, got 1.5',
    ],
    [
      'a bad address',
      (c) => ({ ...c, endpoints: [{ ...c.endpoints[0], address: '10.0.0.256' }, c.endpoints[1]] }),
      'endpoints[0].address: must be an IPv4 address such as 10.0.0.1, got "10.0.0.256"',
    ],
    [
      'a non-IPv4 address',
      (c) => ({ ...c, endpoints: [{ ...c.endpoints[0], address: 'server.local' }, c.endpoints[1]] }),
      /^endpoints\[0\]\.address: must be an IPv4 address/,
    ],
    [
      'two endpoints on one address',
      (c) => ({ ...c, endpoints: [c.endpoints[0], { ...c.endpoints[1], address: '10.0.0.1' }] }),
      'endpoints[1].address: 10.0.0.1 is also the address of "client"',
    ],
    [
      'a fractional seed',
      (c) => ({ ...c, seed: 1.5 }),
      'seed: must be an integer between 0 and 4294967295, got 1.5',
    ],
    ['no endpoints', (c) => ({ ...c, endpoints: [] }), 'endpoints: must list at least one endpoint'],
    [
      'a negative maxTime',
      (c) => ({ ...c, maxTime: -1 }),
      'maxTime: must be greater than 0 and at most 31536000000 ms, got -1',
    ],
    ['realtime 0', (c) => ({ ...c, realtime: 0 }), 'realtime: must be between 0.001 and 1000000, got 0'],
    [
      'a top-level typo',
      (c) => ({ ...c, netwrk: { default: { loss: 0.1 } } }) as never,
      '(root): unknown field "netwrk"',
    ],
    [
      'a misspelt fault-model field',
      (c) => ({ ...c, network: { default: { jiter: 5 } as never } }),
      'network.default: unknown field "jiter"',
    ],
    [
      'an unknown flag in a matcher',
      (c) => ({
        ...c,
        network: { faults: [{ match: { exactFlags: ['SYNACK' as never] }, action: { drop: true } }] },
      }),
      /^network\.faults\[0\]\.match\.exactFlags\[0\]: must be one of SYN, ACK, FIN, RST, PSH, got "SYNACK"$/,
    ],
    [
      'a sender state that is not a TCP state',
      (c) => ({
        ...c,
        network: { faults: [{ match: { senderState: 'TIME-WAIT' as never }, action: { drop: true } }] },
      }),
      /^network\.faults\[0\]\.match\.senderState: must be one of CLOSED, .*, TIME_WAIT, got "TIME-WAIT"$/,
    ],
    [
      'a fault with two actions',
      (c) => ({ ...c, network: { faults: [{ match: {}, action: { drop: true, delay: 5 } as never }] } }),
      /^network\.faults\[0\]\.action: must be exactly one of/,
    ],
    [
      'port 70000',
      (c) => {
        c.endpoints[1].actions = [{ at: 0, do: 'listen', port: 70_000 }];
        return c;
      },
      'endpoints[1].actions[0].port: must be an integer between 1 and 65535, got 70000',
    ],
    [
      'two listens on one port',
      (c) => {
        c.endpoints[1].actions = [
          { at: 0, do: 'listen', port: 80 },
          { at: 10, do: 'listen', port: 80, backlog: 4 },
        ];
        return c;
      },
      'endpoints[1].actions[1].port: port 80 already has a listener (actions[0]); listen once per port',
    ],
    [
      'a connect to nobody',
      (c) => {
        c.endpoints[0].actions = [{ at: 0, do: 'connect', to: 'sever', port: 80 }];
        return c;
      },
      'endpoints[0].actions[0].to: "sever" is neither an endpoint id nor an IPv4 address',
    ],
  ];

  it.for(cases)('%s', async ([, mutate, message]) => {
    const config = mutate(base());
    const expected = typeof message === 'string' ? new RegExp(`^${escapeRegExp(message)}$`) : message;
    expect(() => validateSimulationConfig(config)).toThrow(expected);
    await expect(runSimulation(config)).rejects.toThrow(expected);
    expect(liveWorkerCount()).toBe(0);
  });

  it('an unknown profile is rejected up front, naming the field', async () => {
    await expect(runSimulation({ ...base(), profile: 'bsd' })).rejects.toThrow(
      /^profile: must be one of linux, rfc9293, got "bsd"$/,
    );
    const config = base();
    config.endpoints[0].profile = 'bsd';
    await expect(runSimulation(config)).rejects.toThrow(/^endpoints\[0\]\.profile: must be one of/);
    expect(liveWorkerCount()).toBe(0);
  });

  it('an unknown action or reaction is rejected, naming its path', async () => {
    const config = base();
    (config.endpoints[0].actions as unknown[]).push({ at: 5, do: 'explode' });
    await expect(runSimulation(config)).rejects.toThrow(
      /^endpoints\[0\]\.actions\[\d+\]\.do: must be one of listen, connect, .*, got "explode"$/,
    );
    const again = base();
    again.endpoints[1].reactions = [{ on: 'closed' as never, do: 'close' }];
    await expect(runSimulation(again)).rejects.toThrow(/^endpoints\[1\]\.reactions\[0\]\.on: must be one of/);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('realtime mode', () => {
  it('paces a ~60 s virtual run at 1000x: at least 50 ms of wall time (no upper bound: a busy machine is slower), same trace', async () => {
    const config = lifecycle('linux');
    const fast = await runSimulation(config, { threads: 'inline' });
    expect(fast.summary.t).toBeGreaterThan(60_000);
    expect(fast.summary.t).toBeLessThan(61_000);
    const start = performance.now();
    const paced = await runSimulation({ ...config, realtime: 1000 });
    const wall = performance.now() - start;
    expect(paced.ok).toBe(true);
    expect(wall).toBeGreaterThanOrEqual(50);
    expect(paced.stats.wallMs).toBeGreaterThanOrEqual(fast.summary.t / 1000 - 1);
    // Pacing changes only wall-clock time, never the trace.
    expect(toJsonLines(paced.trace)).toBe(toJsonLines(fast.trace));
  });
});
