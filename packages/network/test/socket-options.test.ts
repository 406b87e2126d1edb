/**
 * Scenario-file socket options (issue 25): the `setsockopt` action (TCP_NODELAY, TCP_CORK) and the
 * profile's `nagle` policy reach the connection and change what leaves (core tcb/nagle.ts); the one
 * schema rejects anything else.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AppAction,
  liveWorkerCount,
  runSimulation,
  type SimulationConfig,
  validateSimulationConfig,
} from '../src/index.js';

afterEach(() => {
  expect(liveWorkerCount()).toBe(0);
});

/** The client connects at 0 (ESTABLISHED at 20 ms), runs `actions` from 100 ms on, with two 100-byte writes 1 ms apart. */
function twoSmallWrites(before: AppAction[] = [], nagle?: 'off' | 'minshall' | 'rfc896'): SimulationConfig {
  return {
    seed: 1,
    profile: 'linux',
    endpoints: [
      {
        id: 'client',
        ...(nagle ? { profileOverrides: { nagle } } : {}),
        actions: [
          { at: 0, do: 'connect', to: 'server', port: 80 },
          ...before,
          { at: 100, do: 'send', bytes: 100 },
          { at: 101, do: 'send', bytes: 100 },
        ],
      },
      { id: 'server', actions: [{ at: 0, do: 'listen', port: 80 }] },
    ],
    network: { default: { delay: 10 } },
    maxTime: 1_000,
  };
}

/** Times the client put data on the wire. */
async function clientDataTimes(config: SimulationConfig): Promise<number[]> {
  const result = await runSimulation(config);
  return result.trace
    .filter(
      (e) => e.kind === 'send' && e.endpoint === 'client' && (e as { seg: { len: number } }).seg.len > 0,
    )
    .map((e) => e.t);
}

describe('socket options in scenario files', () => {
  it('linux Nagle: the second small write waits for the ACK of the first (sent 100, ACKed back at 120)', async () => {
    expect(await clientDataTimes(twoSmallWrites())).toEqual([100, 120]);
  });

  it('setsockopt nodelay: both leave at once', async () => {
    const config = twoSmallWrites([{ at: 50, do: 'setsockopt', nodelay: true }]);
    expect(await clientDataTimes(config)).toEqual([100, 101]);
  });

  it("profileOverrides.nagle 'off' is TCP_NODELAY for every connection", async () => {
    expect(await clientDataTimes(twoSmallWrites([], 'off'))).toEqual([100, 101]);
  });

  it('setsockopt cork, then uncork at 150: both writes leave together at the uncork', async () => {
    const config = twoSmallWrites([
      { at: 50, do: 'setsockopt', cork: true },
      { at: 150, do: 'setsockopt', cork: false },
    ]);
    expect(await clientDataTimes(config)).toEqual([150]);
  });

  it('the schema rejects an unknown option and a non-boolean value', () => {
    const bad = (action: unknown) =>
      validateSimulationConfig({ ...twoSmallWrites(), endpoints: [{ id: 'client', actions: [action] }] });
    expect(() => bad({ at: 0, do: 'setsockopt', reuseport: true })).toThrow(/reuseport/);
    expect(() => bad({ at: 0, do: 'setsockopt', nodelay: 1 })).toThrow(/nodelay/);
  });
});
