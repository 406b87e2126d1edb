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

/** The client sends 100 bytes at 100 and closes at 200; `lingerAt` sets SO_LINGER at 50. */
function closeWithLinger(linger: { on: boolean; seconds: number }, serverDelay = 10): SimulationConfig {
  return {
    seed: 1,
    profile: 'linux',
    endpoints: [
      {
        id: 'client',
        actions: [
          { at: 0, do: 'connect', to: 'server', port: 80 },
          { at: 50, do: 'setsockopt', linger },
          { at: 100, do: 'send', bytes: 100 },
          { at: 200, do: 'close' },
        ],
      },
      {
        id: 'server',
        actions: [{ at: 0, do: 'listen', port: 80 }],
        reactions: [{ on: 'peer-closed', do: 'close' }],
      },
    ],
    network: { default: { delay: serverDelay } },
    maxTime: 10_000,
  };
}

describe('SO_LINGER in scenario files', () => {
  it('linger on, 0 s: close() aborts with RST+ACK instead of FIN (Linux tcp_close → tcp_disconnect)', async () => {
    const { trace } = await runSimulation(closeWithLinger({ on: true, seconds: 0 }));
    const client = trace.filter((e) => e.kind === 'send' && e.endpoint === 'client') as Array<{
      t: number;
      seg: { flags: string[] };
    }>;
    const atClose = client.filter((e) => e.t === 200).map((e) => e.seg.flags.join(','));
    expect(atClose).toEqual(['ACK,RST']);
    expect(client.some((e) => e.seg.flags.includes('FIN'))).toBe(false);
    expect(trace).toContainEqual(
      expect.objectContaining({ kind: 'app', endpoint: 'server', error: 'connection reset' }),
    );
  });

  it('linger off (the default and { on: false, seconds: 0 }): close() sends FIN', async () => {
    const { trace } = await runSimulation(closeWithLinger({ on: false, seconds: 0 }));
    const flags = trace
      .filter((e) => e.kind === 'send' && e.endpoint === 'client' && e.t === 200)
      .map((e) => (e as { seg: { flags: string[] } }).seg.flags.join(','));
    expect(flags).toEqual(['ACK,FIN']);
  });

  it('linger on, 5 s: close() returns when the FIN is acknowledged (the server closes at once: its FIN+ACK at 210 acknowledges ours, arriving at 220)', async () => {
    const { trace } = await runSimulation(closeWithLinger({ on: true, seconds: 5 }));
    const returned = trace.filter((e) => e.kind === 'app' && e.event === 'close-returned');
    expect(returned).toEqual([expect.objectContaining({ t: 220, endpoint: 'client', drained: true })]);
  });

  it('linger on, 1 s, the FIN never acknowledged: close() returns after the linger time, FIN retransmitted on', async () => {
    const config = closeWithLinger({ on: true, seconds: 1 });
    config.network = {
      default: { delay: 10 },
      faults: [{ match: { from: 'client', flags: ['FIN'], nth: 0 }, action: { drop: true } }],
    };
    config.maxTime = 3_000;
    const { trace } = await runSimulation(config).catch((e) => ({ trace: e.trace ?? [] }));
    const returned = trace.filter(
      (e: { kind: string; event?: string }) => e.kind === 'app' && e.event === 'close-returned',
    );
    expect(returned).toEqual([expect.objectContaining({ t: 1200, drained: false })]);
  });

  it('the schema bounds SO_LINGER: seconds 0 … 86,400 (a day), both fields required', () => {
    const bad = (linger: unknown) =>
      validateSimulationConfig({
        ...twoSmallWrites(),
        endpoints: [{ id: 'client', actions: [{ at: 0, do: 'setsockopt', linger }] }],
      });
    expect(() => bad({ on: true, seconds: 86_401 })).toThrow(/linger\.seconds.*between 0 and 86400 s/);
    expect(() => bad({ on: true, seconds: -1 })).toThrow(/between 0 and 86400/);
    expect(() => bad({ on: true, seconds: 1.5 })).toThrow(/integer/);
    expect(() => bad({ on: true })).toThrow(/seconds/);
    expect(() => bad({ on: 1, seconds: 0 })).toThrow(/linger\.on/);
    expect(() => bad({ on: true, seconds: 86_400 })).not.toThrow();
  });
});

describe('MSG_MORE in scenario files (send with more: true)', () => {
  it('two 1000-byte writes with more give one full segment; the ACK at 121 releases the tail (no PSH: a MSG_MORE write marks no end)', async () => {
    const config = twoSmallWrites();
    config.endpoints[0].actions = [
      { at: 0, do: 'connect', to: 'server', port: 80 },
      { at: 100, do: 'send', bytes: 1000, more: true },
      { at: 101, do: 'send', bytes: 1000, more: true },
      { at: 150, do: 'send', bytes: 100 },
    ];
    const { trace } = await runSimulation(config);
    const data = trace
      .filter(
        (e) => e.kind === 'send' && e.endpoint === 'client' && (e as { seg: { len: number } }).seg.len > 0,
      )
      .map((e) => {
        const seg = (e as unknown as { seg: { len: number; flags: string[] } }).seg;
        return `${e.t} ${seg.len} ${seg.flags.includes('PSH') ? 'P' : '-'}`;
      });
    // The linux profile's MSS with timestamps is 1448.
    expect(data).toEqual(['101 1448 -', '121 552 -', '150 100 P']);
    expect(trace).toContainEqual(
      expect.objectContaining({ kind: 'app', event: 'send', bytes: 1000, more: true }),
    );
  });

  it('the schema rejects a non-boolean more', () => {
    expect(() =>
      validateSimulationConfig({
        ...twoSmallWrites(),
        endpoints: [{ id: 'client', actions: [{ at: 0, do: 'send', bytes: 1, more: 'yes' }] }],
      }),
    ).toThrow(/more/);
  });
});

describe('keepalive and TCP_USER_TIMEOUT per connection (setsockopt)', () => {
  /** The client connects at 0 and runs `actions`; the server listens and crashes at `crashAt`. */
  function withServerCrash(actions: AppAction[], crashAt: number): SimulationConfig {
    return {
      seed: 1,
      profile: 'linux',
      endpoints: [
        { id: 'client', actions: [{ at: 0, do: 'connect', to: 'server', port: 80 }, ...actions] },
        {
          id: 'server',
          actions: [
            { at: 0, do: 'listen', port: 80 },
            { at: crashAt, do: 'restart' },
          ],
        },
      ],
      network: { default: { delay: 10 } },
      maxTime: 60_000,
    };
  }

  it('keepalive with a 2 s idle time: the probe 2 s after the last segment draws the rebooted host’s RST', async () => {
    const config = withServerCrash(
      [
        {
          at: 50,
          do: 'setsockopt',
          keepalive: true,
          keepaliveIdle: 2000,
          keepaliveInterval: 1000,
          keepaliveProbes: 2,
        },
      ],
      100,
    );
    const { trace } = await runSimulation(config);
    const probes = trace.filter(
      (e) =>
        e.kind === 'send' &&
        e.endpoint === 'client' &&
        (e as { retransmitKind?: string }).retransmitKind === 'keepalive',
    );
    // The handshake's last segment is the client's ACK at 20 ms: idle from then, probe at 2,020 ms.
    expect(probes.map((e) => e.t)).toEqual([2020]);
    expect(trace).toContainEqual(
      expect.objectContaining({ kind: 'app', endpoint: 'client', event: 'closed', reason: 'reset' }),
    );
  });

  it('without the setsockopt no probe is sent (keepalive is off by default)', async () => {
    const config = withServerCrash([], 100);
    config.maxTime = 10_000;
    const result = await runSimulation(config).catch((e: { trace?: unknown[] }) => ({
      trace: e.trace ?? [],
    }));
    const probes = (result.trace as Array<{ kind: string; retransmitKind?: string }>).filter(
      (e) => e.kind === 'send' && e.retransmitKind === 'keepalive',
    );
    expect(probes).toEqual([]);
  });

  it('TCP_USER_TIMEOUT 1 s: data to the crashed host is given up after 1 s, not after tcp_retries2', async () => {
    const config = withServerCrash(
      [
        { at: 50, do: 'setsockopt', userTimeout: 1000 },
        { at: 200, do: 'send', bytes: 100 },
      ],
      100,
    );
    // The crashed host answers with RST; drop those so the data goes unacknowledged.
    config.network = {
      default: { delay: 10 },
      faults: [{ match: { from: 'server', flags: ['RST'], nth: 0 }, action: { drop: true } }],
    };
    const { trace } = await runSimulation(config);
    const closed = trace.find((e) => e.kind === 'app' && e.endpoint === 'client' && e.event === 'closed') as
      | { t: number; reason: string }
      | undefined;
    expect(closed?.reason).toBe('timeout');
    expect(closed!.t).toBeGreaterThanOrEqual(1200);
    expect(closed!.t).toBeLessThan(2500);
  });

  it('the schema bounds them like the profileOverrides fields', () => {
    const bad = (option: Record<string, unknown>) =>
      validateSimulationConfig({
        ...twoSmallWrites(),
        endpoints: [{ id: 'client', actions: [{ at: 0, do: 'setsockopt', ...option }] }],
      });
    expect(() => bad({ keepaliveIdle: 999 })).toThrow(
      /keepaliveIdle: must be an integer between 1000 and 32767000 ms/,
    );
    expect(() => bad({ keepaliveProbes: 128 })).toThrow(
      /keepaliveProbes: must be an integer between 1 and 127/,
    );
    expect(() => bad({ userTimeout: -1 })).toThrow(/userTimeout/);
    expect(() => bad({ keepalive: 'yes' })).toThrow(/keepalive/);
    expect(() =>
      bad({ keepalive: true, keepaliveIdle: 1000, keepaliveProbes: 127, userTimeout: 0 }),
    ).not.toThrow();
  });
});

describe('close() with unread data (autoRead false, close full: true)', () => {
  /** The client sends 100 bytes at 50; the server (reading only on `receive`) runs `actions` from 100. */
  function serverReadsByHand(actions: AppAction[], profile: 'linux' | 'rfc9293' = 'linux'): SimulationConfig {
    return {
      seed: 1,
      profile,
      endpoints: [
        {
          id: 'client',
          actions: [
            { at: 0, do: 'connect', to: 'server', port: 80 },
            { at: 50, do: 'send', bytes: 100 },
          ],
          reactions: [{ on: 'peer-closed', do: 'close' }],
        },
        { id: 'server', autoRead: false, actions: [{ at: 0, do: 'listen', port: 80 }, ...actions] },
      ],
      network: { default: { delay: 10 } },
      maxTime: 10_000,
    };
  }

  /** The server's segments from `from` ms on, as "t flags". */
  async function serverSends(config: SimulationConfig, from: number): Promise<string[]> {
    const { trace } = await runSimulation(config);
    return trace
      .filter((e) => e.kind === 'send' && e.endpoint === 'server' && e.t >= from)
      .map((e) => `${e.t} ${(e as { seg: { flags: string[] } }).seg.flags.join(',')}`);
  }

  it('linux: close() with 100 bytes unread sends RST+ACK, not FIN (tcp_close, RFC 2525 §2.17)', async () => {
    expect(await serverSends(serverReadsByHand([{ at: 100, do: 'close', full: true }]), 100)).toEqual([
      '100 ACK,RST',
    ]);
  });

  it('linux: after a receive the same close() sends FIN', async () => {
    const config = serverReadsByHand([
      { at: 90, do: 'receive' },
      { at: 100, do: 'close', full: true },
    ]);
    expect((await serverSends(config, 100))[0]).toBe('100 ACK,FIN');
  });

  it('the default half-close does not abort, unread data or not', async () => {
    expect((await serverSends(serverReadsByHand([{ at: 100, do: 'close' }]), 100))[0]).toBe('100 ACK,FIN');
  });

  it('rfc9293 (closeUnreadReset off) closes with FIN', async () => {
    const config = serverReadsByHand([{ at: 100, do: 'close', full: true }], 'rfc9293');
    expect((await serverSends(config, 100))[0]).toMatch(/^100 (ACK,)?FIN/);
  });
});

describe('data arriving after a full close (close full: true)', () => {
  it('linux: the client closes fully at 100; the server data at 150 is answered with RST (tcp_rcv_state_process)', async () => {
    const config: SimulationConfig = {
      seed: 1,
      profile: 'linux',
      endpoints: [
        {
          id: 'client',
          actions: [
            { at: 0, do: 'connect', to: 'server', port: 80 },
            { at: 100, do: 'close', full: true },
          ],
        },
        {
          id: 'server',
          actions: [
            { at: 0, do: 'listen', port: 80 },
            { at: 150, do: 'send', bytes: 100, conn: 'accepted1' },
          ],
        },
      ],
      network: { default: { delay: 10 } },
      maxTime: 10_000,
    };
    const { trace } = await runSimulation(config);
    const client = trace
      .filter((e) => e.kind === 'send' && e.endpoint === 'client' && e.t >= 100)
      .map((e) => `${e.t} ${(e as { seg: { flags: string[] } }).seg.flags.join(',')}`);
    expect(client).toEqual(['100 ACK,FIN', '160 RST']);
  });
});
