/**
 * The built-in textbook scenarios. Each is plain data (the same shape as a
 * scenario file) and declares the expectations that make its name true.
 * Endpoints are `client` (10.0.0.1) and `server` (10.0.0.2), plus
 * `attacker` (10.0.0.66) in the flood scenarios; one-way delay 10 ms.
 */
import type { EndpointConfig, NetworkConfig } from '@synack/network';
import type { Expectations } from './expect.js';

export interface Scenario {
  name: string;
  description: string;
  seed?: number;
  profile?: string;
  endpoints: EndpointConfig[];
  network?: NetworkConfig;
  maxTime?: number;
  expect?: Expectations;
}

const PORT = 80;
const LAN = { delay: 10 };

const listen = (extra: { backlog?: number; syncookies?: 0 | 1 | 2 } = {}) => ({
  at: 0,
  do: 'listen' as const,
  port: PORT,
  ...extra,
});

/**
 * A spoofed SYN flood (400 SYNs, one every 50 ms) against a listener with backlog 8, and a
 * legitimate client connecting at 1 s. Its connect() gives up 11 s after its first SYN: SYNs at
 * +0,1,2,3,4,5,7 s (2 retries + 4 linear ones), then a 4 s wait.
 */
function synFlood(syncookies: 0 | 1): Pick<Scenario, 'endpoints' | 'network' | 'maxTime'> {
  return {
    endpoints: [
      {
        id: 'client',
        profileOverrides: { synRetries: 2 },
        actions: [{ at: 1000, do: 'connect', to: 'server', port: PORT }],
      },
      { id: 'server', actions: [listen({ backlog: 8, syncookies })] },
      {
        id: 'attacker',
        actions: [{ at: 0, do: 'syn-flood', to: 'server', port: PORT, count: 400, interval: 50 }],
      },
    ],
    network: { default: LAN },
    maxTime: 120_000,
  };
}

const CLIENT_CLOSE_PATH = ['SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'TIME_WAIT', 'CLOSED'];
const SERVER_CLOSE_PATH = ['LISTEN', 'SYN_RECEIVED', 'ESTABLISHED', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED'];

export const SCENARIOS: Scenario[] = [
  {
    name: 'handshake',
    description:
      'Three-way handshake: SYN seq=x, SYN-ACK seq=y ack=x+1, ACK ack=y+1; both sides ESTABLISHED.',
    endpoints: [
      { id: 'client', actions: [{ at: 0, do: 'connect', to: 'server', port: PORT }] },
      { id: 'server', actions: [listen()] },
    ],
    network: { default: LAN },
    expect: {
      final: { client: ['ESTABLISHED'], server: ['ESTABLISHED'] },
      visits: [
        { endpoint: 'client', states: ['CLOSED', 'SYN_SENT', 'ESTABLISHED'] },
        { endpoint: 'server', states: ['LISTEN', 'SYN_RECEIVED', 'ESTABLISHED'] },
      ],
      segments: [
        { from: 'client', flags: ['SYN'], min: 1, max: 1 },
        { from: 'server', flags: ['SYN', 'ACK'], min: 1, max: 1 },
        { from: 'client', flags: ['ACK'], min: 1, max: 1 },
      ],
    },
  },
  {
    name: 'lifecycle',
    description:
      'Whole life of a connection: handshake, 1 KiB each way, client closes first, four-way close, TIME_WAIT expiry.',
    endpoints: [
      {
        id: 'client',
        actions: [
          { at: 0, do: 'connect', to: 'server', port: PORT },
          { at: 100, do: 'send', bytes: 1024 },
          { at: 400, do: 'close' },
        ],
      },
      {
        id: 'server',
        actions: [listen()],
        reactions: [
          { on: 'accept', do: 'send', bytes: 1024, after: 150 },
          // The server application takes 100 ms to notice EOF, so its ACK of the client's FIN
          // leaves alone (a four-way close) instead of riding on its own FIN.
          { on: 'peer-closed', do: 'close', after: 100 },
        ],
      },
    ],
    network: { default: LAN },
    expect: {
      final: { client: ['CLOSED'], server: ['CLOSED'] },
      visits: [
        { endpoint: 'client', states: CLIENT_CLOSE_PATH },
        { endpoint: 'server', states: SERVER_CLOSE_PATH },
      ],
      segments: [
        { from: 'client', flags: ['FIN', 'ACK'], min: 1 },
        { from: 'server', flags: ['FIN', 'ACK'], min: 1 },
        { from: 'client', flags: ['ACK'], state: 'TIME_WAIT', min: 1 },
      ],
      integrity: true,
      received: { client: 1024, server: 1024 },
    },
  },
  {
    name: 'simultaneous-open',
    description:
      'Both sides send a SYN at once (RFC 9293 figure 7): SYN_SENT → SYN_RECEIVED → ESTABLISHED on both.',
    endpoints: [
      {
        id: 'client',
        actions: [
          { at: 0, do: 'connect', to: 'server', port: 6000, localPort: 5000 },
          { at: 500, do: 'close' },
        ],
      },
      {
        id: 'server',
        actions: [{ at: 0, do: 'connect', to: 'client', port: 5000, localPort: 6000 }],
        reactions: [{ on: 'peer-closed', do: 'close', after: 100 }],
      },
    ],
    network: { default: LAN },
    expect: {
      final: { client: ['CLOSED'], server: ['CLOSED'] },
      visits: [
        { endpoint: 'client', states: ['SYN_SENT', 'SYN_RECEIVED', 'ESTABLISHED'] },
        { endpoint: 'server', states: ['SYN_SENT', 'SYN_RECEIVED', 'ESTABLISHED'] },
      ],
      segments: [
        { from: 'client', flags: ['SYN'], min: 1, max: 1 },
        { from: 'server', flags: ['SYN'], min: 1, max: 1 },
        { from: 'client', flags: ['SYN', 'ACK'], min: 1 },
        { from: 'server', flags: ['SYN', 'ACK'], min: 1 },
      ],
    },
  },
  {
    name: 'simultaneous-close',
    description: 'Both sides CLOSE at the same instant: FIN_WAIT_1 → CLOSING → TIME_WAIT on both.',
    endpoints: [
      {
        id: 'client',
        actions: [
          { at: 0, do: 'connect', to: 'server', port: PORT },
          { at: 500, do: 'close' },
        ],
      },
      { id: 'server', actions: [listen(), { at: 500, do: 'close' }] },
    ],
    network: { default: LAN },
    expect: {
      final: { client: ['CLOSED'], server: ['CLOSED'] },
      visits: [
        { endpoint: 'client', states: ['ESTABLISHED', 'FIN_WAIT_1', 'CLOSING', 'TIME_WAIT', 'CLOSED'] },
        { endpoint: 'server', states: ['ESTABLISHED', 'FIN_WAIT_1', 'CLOSING', 'TIME_WAIT', 'CLOSED'] },
      ],
    },
  },
  {
    name: 'half-close',
    description:
      'Client sends a request and closes its half; the server keeps sending from CLOSE_WAIT while the client receives in FIN_WAIT_2.',
    endpoints: [
      {
        id: 'client',
        actions: [
          { at: 0, do: 'connect', to: 'server', port: PORT },
          { at: 100, do: 'send', bytes: 200 },
          { at: 150, do: 'close' },
        ],
      },
      {
        id: 'server',
        actions: [listen()],
        reactions: [
          { on: 'peer-closed', do: 'send', bytes: 4096, after: 100 },
          { on: 'peer-closed', do: 'send', bytes: 4096, after: 300 },
          { on: 'peer-closed', do: 'send', bytes: 4096, after: 500 },
          { on: 'peer-closed', do: 'close', after: 700 },
        ],
      },
    ],
    network: { default: LAN },
    expect: {
      final: { client: ['CLOSED'], server: ['CLOSED'] },
      visits: [
        { endpoint: 'client', states: ['FIN_WAIT_1', 'FIN_WAIT_2', 'TIME_WAIT', 'CLOSED'] },
        { endpoint: 'server', states: ['ESTABLISHED', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED'] },
      ],
      segments: [{ from: 'server', state: 'CLOSE_WAIT', minLen: 1, min: 3 }],
      integrity: true,
      received: { client: 12288, server: 200 },
    },
  },
  {
    name: 'lost-syn',
    description:
      "The client's first SYN is lost; it is retransmitted after the initial RTO (1 s) and the handshake completes.",
    endpoints: [
      { id: 'client', actions: [{ at: 0, do: 'connect', to: 'server', port: PORT }] },
      { id: 'server', actions: [listen()] },
    ],
    network: {
      default: LAN,
      faults: [
        {
          match: { from: 'client', exactFlags: ['SYN'] },
          action: { drop: true },
          label: 'drop the first SYN',
        },
      ],
    },
    expect: {
      final: { client: ['ESTABLISHED'], server: ['ESTABLISHED'] },
      segments: [
        { from: 'client', flags: ['SYN'], min: 2, max: 2 },
        { from: 'client', flags: ['SYN'], retransmit: true, min: 1, max: 1 },
      ],
      drops: [{ reason: 'targeted', min: 1, max: 1 }],
    },
  },
  {
    name: 'lost-synack',
    description:
      "The server's first SYN-ACK is lost; a retransmission (the server's SYN-ACK timer, or the client's repeated SYN answered at once) completes the handshake.",
    endpoints: [
      { id: 'client', actions: [{ at: 0, do: 'connect', to: 'server', port: PORT }] },
      { id: 'server', actions: [listen()] },
    ],
    network: {
      default: LAN,
      faults: [
        {
          match: { from: 'server', exactFlags: ['SYN', 'ACK'] },
          action: { drop: true },
          label: 'drop the first SYN-ACK',
        },
      ],
    },
    expect: {
      final: { client: ['ESTABLISHED'], server: ['ESTABLISHED'] },
      segments: [{ from: 'server', flags: ['SYN', 'ACK'], min: 2 }],
      drops: [{ reason: 'targeted', min: 1, max: 1 }],
    },
  },
  {
    name: 'lost-final-ack',
    description:
      "The client's last ACK is lost: the server retransmits its FIN from LAST_ACK, the client re-ACKs from TIME_WAIT and restarts the 2MSL timer.",
    endpoints: [
      {
        id: 'client',
        actions: [
          { at: 0, do: 'connect', to: 'server', port: PORT },
          { at: 100, do: 'close' },
        ],
      },
      { id: 'server', actions: [listen()], reactions: [{ on: 'peer-closed', do: 'close', after: 100 }] },
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
    expect: {
      final: { client: ['CLOSED'], server: ['CLOSED'] },
      visits: [
        { endpoint: 'client', states: ['FIN_WAIT_2', 'TIME_WAIT', 'CLOSED'] },
        { endpoint: 'server', states: ['CLOSE_WAIT', 'LAST_ACK', 'CLOSED'] },
      ],
      segments: [
        { from: 'server', flags: ['FIN', 'ACK'], min: 2, max: 2 },
        { from: 'server', flags: ['FIN', 'ACK'], retransmit: true, min: 1, max: 1 },
        { from: 'client', flags: ['ACK'], state: 'TIME_WAIT', min: 2, max: 2 },
      ],
    },
  },
  {
    name: 'old-duplicate-syn',
    description:
      'RFC 9293 figure 8: an old duplicate SYN reaches the server first; the client answers the stale SYN-ACK with RST and the real handshake then completes.',
    endpoints: [
      {
        id: 'client',
        actions: [
          // A SYN from an earlier incarnation of this 4-tuple, still wandering the network.
          {
            at: 0,
            do: 'raw',
            to: 'server',
            segment: { srcPort: 40000, dstPort: PORT, seq: 90, flags: ['SYN'] },
          },
          { at: 5, do: 'connect', to: 'server', port: PORT, localPort: 40000 },
        ],
      },
      { id: 'server', actions: [listen()] },
    ],
    network: {
      default: LAN,
      faults: [
        {
          match: { from: 'client', exactFlags: ['SYN'], senderState: 'SYN_SENT' },
          action: { delay: 50 },
          label: 'the new SYN is slow',
        },
      ],
    },
    expect: {
      final: { client: ['ESTABLISHED'], server: ['CLOSED', 'ESTABLISHED'] },
      segments: [
        { from: 'server', flags: ['SYN', 'ACK'], min: 2 },
        { from: 'client', flags: ['RST'], min: 1, max: 1 },
      ],
      visits: [{ endpoint: 'server', states: ['SYN_RECEIVED', 'CLOSED'] }],
    },
  },
  {
    name: 'half-open',
    description:
      'RFC 9293 figure 10: the client crashes and reconnects from the same port; the server, still ESTABLISHED, answers the SYN with an ACK, the client resets it, and a fresh connection follows.',
    endpoints: [
      {
        id: 'client',
        actions: [
          { at: 0, do: 'connect', to: 'server', port: PORT, localPort: 40000 },
          { at: 100, do: 'send', bytes: 100 },
          { at: 500, do: 'restart' },
          { at: 1000, do: 'connect', to: 'server', port: PORT, localPort: 40000 },
        ],
      },
      { id: 'server', actions: [listen()] },
    ],
    network: { default: LAN },
    expect: {
      final: { client: ['CLOSED', 'ESTABLISHED'], server: ['CLOSED', 'ESTABLISHED'] },
      segments: [
        { from: 'server', flags: ['ACK'], state: 'ESTABLISHED', min: 1 },
        { from: 'client', flags: ['RST'], min: 1, max: 1 },
      ],
      app: [{ endpoint: 'server', event: 'closed', reason: 'reset', min: 1, max: 1 }],
    },
  },
  {
    name: 'rst-abort',
    description:
      'The client ABORTs an established connection: it sends RST, and the server reports "connection reset".',
    endpoints: [
      {
        id: 'client',
        actions: [
          { at: 0, do: 'connect', to: 'server', port: PORT },
          { at: 100, do: 'send', bytes: 500 },
          { at: 300, do: 'abort' },
        ],
      },
      { id: 'server', actions: [listen()] },
    ],
    network: { default: LAN },
    expect: {
      final: { client: ['CLOSED'], server: ['CLOSED'] },
      segments: [{ from: 'client', flags: ['RST'], min: 1, max: 1 }],
      app: [
        { endpoint: 'server', event: 'error', error: 'connection reset', min: 1, max: 1 },
        { endpoint: 'client', event: 'closed', reason: 'aborted', min: 1, max: 1 },
      ],
    },
  },
  {
    name: 'syn-flood',
    description:
      "An attacker floods the server with spoofed SYNs; the half-open queue (backlog 8) stays full and the client's connect() times out.",
    ...synFlood(0),
    expect: {
      final: { client: ['CLOSED'] },
      drops: [{ reason: 'syn-queue-full', min: 1 }],
      app: [{ endpoint: 'client', event: 'closed', reason: 'timeout', min: 1, max: 1 }],
    },
  },
  {
    name: 'syn-cookies',
    description:
      'The same flood against a server with SYN cookies (mode 1): when the queue overflows the server answers statelessly and the client still connects.',
    ...synFlood(1),
    expect: {
      final: { client: ['ESTABLISHED'] },
      app: [{ endpoint: 'client', event: 'connected', min: 1, max: 1 }],
    },
  },
  {
    name: 'lossy-transfer',
    description:
      'Bulk data both ways (200 KB up, 100 KB down) under 5 % loss, 10 % reordering and jitter: every byte arrives, in order, exactly once.',
    endpoints: [
      {
        id: 'client',
        actions: [
          { at: 0, do: 'connect', to: 'server', port: PORT },
          { at: 100, do: 'send', bytes: 200_000 },
          { at: 200, do: 'close' },
        ],
      },
      {
        id: 'server',
        actions: [listen()],
        reactions: [
          { on: 'accept', do: 'send', bytes: 100_000, after: 50 },
          { on: 'peer-closed', do: 'close', after: 10 },
        ],
      },
    ],
    network: { default: { delay: 10, jitter: 4, loss: 0.05, reorder: 0.1 } },
    expect: {
      final: { client: ['CLOSED'], server: ['CLOSED'] },
      segments: [{ retransmit: true, min: 1 }],
      integrity: true,
      received: { client: 100_000, server: 200_000 },
    },
  },
];

export const DEFAULT_SCENARIO = 'lifecycle';

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
