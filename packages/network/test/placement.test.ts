/**
 * Placement (src/placement.ts): endpoints packed onto a few worker threads give the same trace,
 * byte for byte, as one thread per endpoint and as the main thread; a crash on a shared thread
 * names its endpoint and stops the run cleanly; `threads` is bounded.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  liveWorkerCount,
  type RunOptions,
  runSimulation,
  type SimulationConfig,
  toJsonLines,
  WorkerPool,
} from '../src/index.js';
import { threadCount } from '../src/placement.js';
import { scenario } from './fuzz/arbitraries.js';
import { LOSSY, lifecycle, lossyBulk } from './helpers.js';

afterEach(() => {
  expect(liveWorkerCount()).toBe(0);
});

const PLACEMENTS: ReadonlyArray<RunOptions['threads']> = ['per-endpoint', 1, 2, 3];

/** The config with `extra` more clients, copies of the first endpoint under new ids. */
function withMoreClients(config: SimulationConfig, extra: number): SimulationConfig {
  const [first, ...rest] = config.endpoints;
  const copies = Array.from({ length: extra }, (_, k) => ({ ...first, id: `${first.id}${k + 2}` }));
  return { ...config, endpoints: [first, ...rest, ...copies] };
}

async function traceOf(config: SimulationConfig, threads: RunOptions['threads']): Promise<string> {
  return toJsonLines((await runSimulation(config, { threads })).trace);
}

describe('every placement gives the same trace', () => {
  it('five endpoints of a lossy run: per-endpoint, 1, 2 and 3 threads, inline', async () => {
    const config = withMoreClients({ ...lifecycle('linux', { seed: 3 }), network: { default: LOSSY } }, 3);
    const reference = await traceOf(config, 'inline');
    // Not vacuous: every client talked to the server, and the lossy link dropped something.
    expect(reference).toContain('"endpoint":"client4"');
    expect(reference).toMatch(/"kind":"drop"/);
    for (const threads of PLACEMENTS) expect(await traceOf(config, threads), String(threads)).toBe(reference);
  });

  it('fuzzed configurations with 2 to 5 endpoints (fast-check, 6 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(scenario({ engine: 'table' }), fc.integer({ min: 0, max: 3 }), async (base, extra) => {
        const config = withMoreClients(base, extra);
        const reference = await traceOf(config, 'inline');
        for (const threads of PLACEMENTS) {
          expect(await traceOf(config, threads), String(threads)).toBe(reference);
        }
      }),
      { numRuns: 6, seed: 2024 },
    );
  });
});

/** A server and a fuzzed group of clients (issue 24): count, start offset, link delay, loss. */
const groupScenario = fc
  .record({
    seed: fc.integer({ min: 1, max: 1000 }),
    count: fc.integer({ min: 3, max: 12 }),
    offset: fc.integer({ min: 0, max: 5 }),
    delay: fc.integer({ min: 1, max: 20 }),
    loss: fc.constantFrom(0, 0.05, 0.2),
  })
  .map(
    ({ seed, count, offset, delay, loss }): SimulationConfig => ({
      seed,
      endpoints: [
        {
          id: 'server',
          address: '10.0.0.2',
          actions: [{ at: 0, do: 'listen', port: 80 }],
          reactions: [
            { on: 'accept', do: 'send', bytes: 3000 },
            { on: 'peer-closed', do: 'close' },
          ],
        },
      ],
      groups: [
        {
          name: 'clients',
          count,
          id: 'c{i}',
          address: '10.1.0.{i+1}',
          offset,
          actions: [{ at: 0, do: 'connect', to: 'server', port: 80 }],
          reactions: [
            { on: 'connected', do: 'send', bytes: 2000 },
            { on: 'connected', do: 'close', after: 50 },
          ],
        },
      ],
      topology: { default: { delay: 10 }, links: [{ between: ['clients', 'server'], delay, loss }] },
    }),
  );

describe('every placement gives the same trace for groups of hosts', () => {
  it('fuzzed groups of 3 to 12 clients (fast-check, 4 runs): per-endpoint, 1 and 3 threads, inline', async () => {
    await fc.assert(
      fc.asyncProperty(groupScenario, async (config) => {
        const reference = await traceOf(config, 'inline');
        // Not vacuous: the last client of the group took part.
        expect(reference).toContain(`"endpoint":"c${config.groups![0].count - 1}"`);
        for (const threads of ['per-endpoint', 1, 3] as const) {
          expect(await traceOf(config, threads), String(threads)).toBe(reference);
        }
      }),
      { numRuns: 4, seed: 24 },
    );
  });
});

describe('crash isolation on a shared thread', () => {
  it('a crashing endpoint is named, the run stops with ok false, no thread is left', async () => {
    const config = withMoreClients(lossyBulk(7), 3);
    const result = await runSimulation(config, { threads: 2, crash: { endpoint: 'client3', at: 30 } });
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/^endpoint "client3": crashed/);
    expect(result.trace.at(-1)).toBe(result.summary);
    // client3 was running when it crashed, and the run stopped before the transfers completed.
    expect(result.trace.some((e) => e.kind === 'send' && e.endpoint === 'client3')).toBe(true);
    expect(result.summary.final).toEqual({ client: [], server: [], client2: [], client3: [], client4: [] });
  });

  it.for(['per-endpoint', 1, 2, 'inline'] as const)(
    'threads %s: the crash names client2 whichever endpoints share its thread, the run stops cleanly',
    async (threads) => {
      const config = withMoreClients(lifecycle('linux', { seed: 5 }), 3);
      const result = await runSimulation(config, { threads, crash: { endpoint: 'client2', at: 10 } });
      expect(result.ok).toBe(false);
      expect(result.error).toMatch(/^endpoint "client2": crashed/);
      expect(result.trace.at(-1)).toBe(result.summary);
      expect(Object.keys(result.summary.final)).toEqual([
        'client',
        'server',
        'client2',
        'client3',
        'client4',
      ]);
    },
  );

  it('in a pool: the crashed thread is not reused, the healthy one is', async () => {
    const pool = new WorkerPool();
    try {
      // client, server, client2, client3 on 2 threads: client3 shares thread 1 with server.
      const config = withMoreClients(lifecycle('linux'), 2);
      const crashed = await runSimulation(config, {
        threads: 2,
        pool,
        crash: { endpoint: 'client3', at: 0 },
      });
      expect(crashed.error).toMatch(/^endpoint "client3": /);
      expect(pool.size).toBe(1);
      const next = await runSimulation(config, { threads: 2, pool });
      expect(next.error).toBeUndefined();
      expect(next.ok).toBe(true);
      expect(pool.size).toBe(2);
    } finally {
      await pool.close();
    }
  });
});

describe('threads', () => {
  it('uses at most one thread per endpoint', () => {
    expect(threadCount(8, 3)).toBe(3);
    expect(threadCount(2, 10_000)).toBe(2);
    expect(threadCount('per-endpoint', 5)).toBe(5);
    expect(threadCount('inline', 5)).toBe(0);
  });

  it.each([0, 257, 1.5, Number.NaN])('refuses %s with a one-line ConfigError', async (threads) => {
    await expect(runSimulation(lifecycle('linux'), { threads })).rejects.toThrow(ConfigError);
    await expect(runSimulation(lifecycle('linux'), { threads })).rejects.toThrow(
      /^threads: must be an integer between 1 and 256, 'per-endpoint' or 'inline', got /,
    );
  });

  it('a pooled run of 5 endpoints on 2 threads starts 2 threads', async () => {
    const pool = new WorkerPool();
    try {
      const result = await runSimulation(withMoreClients(lifecycle('linux'), 3), { threads: 2, pool });
      expect(result.ok).toBe(true);
      expect(pool.size).toBe(2);
    } finally {
      await pool.close();
    }
  });
});
