import { getProfile, worstCaseLifetime } from '@synack/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_TIME, defaultMaxTime, runSimulation, type SimulationConfig } from '../src/index.js';

/**
 * The client's keepalive (Linux defaults: 7200 s idle, 9 probes 75 s apart) meets a server whose
 * every segment after the handshake is lost: the client gives up at 7200 + 9 × 75 = 7875 s,
 * longer than the 30 min that used to be every run's default limit.
 */
function silentPeer(maxTime?: number): SimulationConfig {
  return {
    seed: 1,
    profile: 'linux',
    endpoints: [
      {
        id: 'client',
        profileOverrides: { keepalive: true },
        actions: [{ at: 0, do: 'connect', to: 'server', port: 80 }],
      },
      { id: 'server', actions: [{ at: 0, do: 'listen', port: 80 }] },
    ],
    network: {
      default: { delay: 10 },
      faults: [{ match: { from: 'server', senderState: 'ESTABLISHED', nth: 0 }, action: { drop: true } }],
    },
    ...(maxTime !== undefined ? { maxTime } : {}),
  };
}

describe('the default virtual-time limit covers the profiles’ worst-case give-up', () => {
  it('keepalive gives up on a silent peer at 7875 s: the run ends by that rule, not by the limit', async () => {
    const result = await runSimulation(silentPeer(), { threads: 'inline' });
    expect(result.error).toBeUndefined();
    const closed = result.trace.find(
      (e) => e.kind === 'app' && e.endpoint === 'client' && e.event === 'closed',
    ) as { t: number; reason?: string } | undefined;
    expect(closed?.reason).toBe('timeout');
    // The last probe goes out at 7200 + 8 × 75 s; the give-up comes one interval later.
    expect(closed?.t).toBeGreaterThanOrEqual(7_875_000);
    expect(closed?.t).toBeLessThan(7_875_000 + 1_000);
  });

  it('the same run under the old 30 min limit stops at the limit, naming the pending timer', async () => {
    const result = await runSimulation(silentPeer(DEFAULT_MAX_TIME), { threads: 'inline' });
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/^virtual-time limit of 1800000 ms reached .*a timer of client/);
  });

  it('the default is at least 30 min and grows with the last action and the slowest profile', () => {
    const config = silentPeer();
    expect(defaultMaxTime(config)).toBe(worstCaseLifetime(getProfile('linux', { keepalive: true })));
    const rfc: SimulationConfig = { ...config, profile: 'rfc9293', endpoints: [config.endpoints[1]] };
    expect(defaultMaxTime(rfc)).toBe(worstCaseLifetime(getProfile('rfc9293')));
    const short: SimulationConfig = { ...rfc, profile: 'linux' };
    expect(defaultMaxTime(short)).toBe(DEFAULT_MAX_TIME);
    const late: SimulationConfig = {
      ...rfc,
      endpoints: [{ id: 'server', actions: [{ at: 600_000, do: 'listen', port: 80 }] }],
    };
    expect(defaultMaxTime(late)).toBe(600_000 + worstCaseLifetime(getProfile('rfc9293')));
  });
});
