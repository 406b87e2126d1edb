/**
 * Scenario configs for the tests, copied from the CLI's built-in scenarios
 * (packages/cli/src/scenarios.ts) so this package tests on its own.
 */
import type { SimulationConfig } from '@synack/network';

const LAN = { delay: 10 };

export const lifecycle: SimulationConfig = {
  seed: 1,
  profile: 'linux',
  endpoints: [
    {
      id: 'client',
      actions: [
        { at: 0, do: 'connect', to: 'server', port: 80 },
        { at: 100, do: 'send', bytes: 1024 },
        { at: 400, do: 'close' },
      ],
    },
    {
      id: 'server',
      actions: [{ at: 0, do: 'listen', port: 80 }],
      reactions: [
        { on: 'accept', do: 'send', bytes: 1024, after: 150 },
        { on: 'peer-closed', do: 'close', after: 100 },
      ],
    },
  ],
  network: { default: LAN },
};

export const lostSyn: SimulationConfig = {
  seed: 1,
  profile: 'linux',
  endpoints: [
    { id: 'client', actions: [{ at: 0, do: 'connect', to: 'server', port: 80 }] },
    { id: 'server', actions: [{ at: 0, do: 'listen', port: 80 }] },
  ],
  network: {
    default: LAN,
    faults: [
      { match: { from: 'client', exactFlags: ['SYN'] }, action: { drop: true }, label: 'drop the first SYN' },
    ],
  },
};

/** A small SYN flood: backlog 4, 40 spoofed SYNs; the half-open queue overflows. */
export const synFlood: SimulationConfig = {
  seed: 1,
  profile: 'linux',
  endpoints: [
    {
      id: 'client',
      profileOverrides: { synRetries: 1 },
      actions: [{ at: 500, do: 'connect', to: 'server', port: 80 }],
    },
    { id: 'server', actions: [{ at: 0, do: 'listen', port: 80, backlog: 4, syncookies: 0 }] },
    {
      id: 'attacker',
      actions: [{ at: 0, do: 'syn-flood', to: 'server', port: 80, count: 40, interval: 20 }],
    },
  ],
  network: { default: LAN },
  maxTime: 120_000,
};

/** Duplicates and reordering on every segment. */
export const messy: SimulationConfig = {
  seed: 7,
  profile: 'linux',
  endpoints: [
    {
      id: 'client',
      actions: [
        { at: 0, do: 'connect', to: 'server', port: 80 },
        { at: 100, do: 'send', bytes: 6000 },
      ],
    },
    { id: 'server', actions: [{ at: 0, do: 'listen', port: 80 }] },
  ],
  network: { default: { delay: 10, jitter: 4, duplicate: 0.3, reorder: 0.3 } },
};

/** A one-way bulk transfer under 3 % loss: the client's congestion control has work to do (cc lines). */
export const lossyBulk: SimulationConfig = {
  seed: 3,
  profile: 'linux',
  endpoints: [
    {
      id: 'client',
      actions: [{ at: 0, do: 'connect', to: 'server', port: 80 }],
      reactions: [{ on: 'connected', do: 'send', bytes: 150_000 }],
    },
    { id: 'server', actions: [{ at: 0, do: 'listen', port: 80 }] },
  ],
  network: { default: { delay: 20, loss: 0.03 } },
};

export const CLIENT_PATH = ['SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'TIME_WAIT', 'CLOSED'];

/**
 * The CLI's built-in `lossy-transfer` scenario (seed 1): 200 KB up, 100 KB down under 5 % loss,
 * 10 % reordering and jitter — hundreds of segments over hundreds of instants, the dense
 * ladder (exact counts follow the network model; the tests read them from the run's record).
 */
export const lossyTransfer: SimulationConfig = {
  seed: 1,
  profile: 'linux',
  endpoints: [
    {
      id: 'client',
      actions: [
        { at: 0, do: 'connect', to: 'server', port: 80 },
        { at: 100, do: 'send', bytes: 200_000 },
        { at: 200, do: 'close' },
      ],
    },
    {
      id: 'server',
      actions: [{ at: 0, do: 'listen', port: 80 }],
      reactions: [
        { on: 'accept', do: 'send', bytes: 100_000, after: 50 },
        { on: 'peer-closed', do: 'close', after: 10 },
      ],
    },
  ],
  network: { default: { delay: 10, jitter: 4, loss: 0.05, reorder: 0.1 } },
};

/**
 * The CLI's `lost-final-ack`: the client's last ACK is lost, the server retransmits its FIN from
 * LAST_ACK, the client re-ACKs from TIME_WAIT and restarts the 2MSL timer — actions that change
 * no state.
 */
export const lostFinalAck: SimulationConfig = {
  seed: 1,
  profile: 'linux',
  endpoints: [
    {
      id: 'client',
      actions: [
        { at: 0, do: 'connect', to: 'server', port: 80 },
        { at: 100, do: 'close' },
      ],
    },
    {
      id: 'server',
      actions: [{ at: 0, do: 'listen', port: 80 }],
      reactions: [{ on: 'peer-closed', do: 'close', after: 100 }],
    },
  ],
  network: {
    default: LAN,
    faults: [
      {
        match: { from: 'client', exactFlags: ['ACK'], senderState: 'TIME_WAIT' },
        action: { drop: true },
        label: 'drop the last ACK',
      },
    ],
  },
};
