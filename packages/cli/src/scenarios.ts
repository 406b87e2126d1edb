/**
 * The built-in textbook scenarios. Each is plain data (the same shape as a scenario file), written
 * with @synack/network's scenario builder, and declares the expectations that make its name true.
 * Endpoints are `client` (10.0.0.1) and `server` (10.0.0.2), plus `attacker` (10.0.0.66) in the
 * flood scenarios; one-way delay 10 ms.
 */
import { type EndpointBuilder, type SimulationConfig, simulation } from '@synack/network';
import type { Expectations } from './expect.js';

export interface Scenario
  extends Pick<SimulationConfig, 'profile' | 'endpoints' | 'groups' | 'network' | 'topology' | 'maxTime'> {
  name: string;
  description: string;
  seed?: number;
  expect?: Expectations;
}

const PORT = 80;
/**
 * bulk-transfer's payload: at 1 % loss and 100 ms RTT about 1,400 segments and a dozen loss
 * events per run (PFTK ≈ 80 segments/s), enough for a sweep's mean over a few dozen seeds.
 */
const BULK_BYTES = 2_000_000;
const LAN = { delay: 10 };

/** A built-in scenario: a built config with its name, description and expectations. */
function builtIn(
  about: Pick<Scenario, 'name' | 'description' | 'expect'>,
  config: SimulationConfig,
): Scenario {
  // The seed comes from the command line (--seed, default 1), not from the scenario.
  const { seed: _seed, ...run } = config;
  return { name: about.name, description: about.description, ...run, expect: about.expect };
}

/**
 * A spoofed SYN flood (400 SYNs, one every 50 ms) against a listener with backlog 8, and a
 * legitimate client connecting at 1 s. Its connect() gives up 11 s after its first SYN: SYNs at
 * +0,1,2,3,4,5,7 s (2 retries + 4 linear ones), then a 4 s wait. No maxTime of its own: the
 * default covers every profile's half-open lifetime (linux frees an entry after 5 SYN-ACK retries,
 * ~63 s; rfc9293 keeps retransmitting until R2 for a SYN, 3 minutes, RFC 9293 §3.8.3), where the
 * 120 s it used to set made both flood scenarios fail on rfc9293 with entries still pending.
 */
function synFlood(syncookies: 0 | 1): SimulationConfig {
  return simulation()
    .endpoint('client', (c) => c.overrides({ synRetries: 2 }).at(1000).connect('server', PORT))
    .endpoint('server', (s) => s.listen(PORT, { backlog: 8, syncookies }))
    .endpoint('attacker', (a) => a.synFlood('server', PORT, 400, { interval: 50 }))
    .network(LAN)
    .build();
}

/** A trusted host the attacker impersonates; it is down, so no RST of its own ends the forgery. */
const TRUSTED_HOST = '10.0.0.9';

/**
 * The off-path attack of RFC 6528 §1 (Morris 1985, Mitnick 1994). The attacker (10.0.0.66) opens
 * two connections of its own (at 0 and 100 ms) and reads the server's ISN clock from the two ISNs
 * it sees; at 500 ms it sends a SYN forged from the trusted host and, 20 ms later, blind, the
 * third segment with 100 bytes, acknowledging the ISN it extrapolated (network isn-spoof). With
 * the bare RFC 793 clock (`isnPolicy: 'clock'`) the guess is exact; with RFC 6528's keyed hash of
 * the 4-tuple (Linux) the attacker's own ISNs say nothing about the spoofed 4-tuple's.
 */
function isnSpoofing(isnPolicy: 'clock' | 'keyed-hash'): SimulationConfig {
  return simulation()
    .endpoint('server', (s) => s.isnPolicy(isnPolicy).listen(PORT))
    .endpoint('attacker', (a) =>
      a
        .connect('server', PORT, { as: 'probe1' })
        .at(100)
        .connect('server', PORT, { as: 'probe2' })
        .at(500)
        .isnSpoof({
          to: 'server',
          port: PORT,
          probes: ['probe1', 'probe2'],
          spoofAddr: TRUSTED_HOST,
          spoofPort: 1023,
          bytes: 100,
        }),
    )
    .network(LAN)
    .build();
}

type Describe = (endpoint: EndpointBuilder) => unknown;

/** A client and a server on the LAN: the shape of most built-in scenarios. */
function clientServer(client: Describe, server: Describe): SimulationConfig {
  return simulation().endpoint('client', client).endpoint('server', server).network(LAN).build();
}

/** A client that connects to the server's port 80, which listens. */
function handshakeOnly() {
  return simulation()
    .endpoint('client', (c) => c.connect('server', PORT))
    .endpoint('server', (s) => s.listen(PORT))
    .network(LAN);
}

const CLIENT_CLOSE_PATH = ['SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'TIME_WAIT', 'CLOSED'];
const SERVER_CLOSE_PATH = ['LISTEN', 'SYN_RECEIVED', 'ESTABLISHED', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED'];

export const SCENARIOS: Scenario[] = [
  builtIn(
    {
      name: 'handshake',
      description:
        'Three-way handshake: SYN seq=x, SYN-ACK seq=y ack=x+1, ACK ack=y+1; both sides ESTABLISHED.',
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
    handshakeOnly().build(),
  ),
  builtIn(
    {
      name: 'handshake-with-data',
      description:
        "The client's application writes 100 bytes before the handshake completes: the third segment is the ACK of the SYN-ACK carrying that data (Linux holds the ACK for a waiting write, RFC 9293 §3.10.7.3 allows it).",
      expect: {
        final: { client: ['ESTABLISHED'], server: ['ESTABLISHED'] },
        visits: [
          { endpoint: 'client', states: ['CLOSED', 'SYN_SENT', 'ESTABLISHED'] },
          { endpoint: 'server', states: ['LISTEN', 'SYN_RECEIVED', 'ESTABLISHED'] },
        ],
        segments: [
          { from: 'client', flags: ['SYN'], min: 1, max: 1 },
          { from: 'server', flags: ['SYN', 'ACK'], min: 1, max: 1 },
          // The third segment: no bare ACK from the client, its data carries the acknowledgment.
          { from: 'client', flags: ['ACK'], max: 0 },
          { from: 'client', flags: ['ACK', 'PSH'], minLen: 100, min: 1, max: 1 },
        ],
        received: { server: 100 },
      },
    },
    // A write issued at once after connect() waits for the connection (Linux sk_stream_wait_connect);
    // being pending when the SYN-ACK arrives, it makes tcp_rcv_synsent_state_process "save one ACK"
    // (conformance/connect-data-on-third-ack.pkt, kernel-checked).
    clientServer(
      (c) => c.connect('server', PORT).send(100),
      (s) => s.listen(PORT),
    ),
  ),
  builtIn(
    {
      name: 'lifecycle',
      description:
        'Whole life of a connection: handshake, 1 KiB each way, client closes first, four-way close, TIME_WAIT expiry.',
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
    clientServer(
      (c) =>
        c
          .connect('server', PORT)
          .on('connected', 'send', { bytes: 1024, after: 80 })
          .on('connected', 'close', { after: 380 }),
      (s) =>
        s
          .listen(PORT)
          .on('accept', 'send', { bytes: 1024, after: 150 })
          // The server application takes 100 ms to notice EOF, so its ACK of the client's FIN
          // leaves alone (a four-way close) instead of riding on its own FIN.
          .on('peer-closed', 'close', { after: 100 }),
    ),
  ),
  builtIn(
    {
      name: 'simultaneous-open',
      description:
        'Both sides send a SYN at once (RFC 9293 figure 7): SYN_SENT → SYN_RECEIVED → ESTABLISHED on both.',
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
    clientServer(
      (c) => c.connect('server', 6000, { localPort: 5000 }).on('connected', 'close', { after: 480 }),
      (s) => s.connect('client', 5000, { localPort: 6000 }).on('peer-closed', 'close', { after: 100 }),
    ),
  ),
  builtIn(
    {
      name: 'simultaneous-close',
      description: 'Both sides CLOSE at the same instant: FIN_WAIT_1 → CLOSING → TIME_WAIT on both.',
      expect: {
        final: { client: ['CLOSED'], server: ['CLOSED'] },
        visits: [
          { endpoint: 'client', states: ['ESTABLISHED', 'FIN_WAIT_1', 'CLOSING', 'TIME_WAIT', 'CLOSED'] },
          { endpoint: 'server', states: ['ESTABLISHED', 'FIN_WAIT_1', 'CLOSING', 'TIME_WAIT', 'CLOSED'] },
        ],
      },
    },
    clientServer(
      // The one built-in that closes at a fixed instant: a simultaneous close means both
      // applications act at the same time, whatever their connection events (no loss here).
      (c) => c.connect('server', PORT).at(500).close(),
      (s) => s.listen(PORT).at(500).close(),
    ),
  ),
  builtIn(
    {
      name: 'half-close',
      description:
        'Client sends a request and closes its half; the server keeps sending from CLOSE_WAIT while the client receives in FIN_WAIT_2.',
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
    clientServer(
      (c) =>
        c
          .connect('server', PORT)
          .on('connected', 'send', { bytes: 200, after: 80 })
          .on('connected', 'close', { after: 130 }),
      (s) =>
        s
          .listen(PORT)
          .on('peer-closed', 'send', { bytes: 4096, after: 100 })
          .on('peer-closed', 'send', { bytes: 4096, after: 300 })
          .on('peer-closed', 'send', { bytes: 4096, after: 500 })
          .on('peer-closed', 'close', { after: 700 }),
    ),
  ),
  builtIn(
    {
      name: 'lost-syn',
      description:
        "The client's first SYN is lost; it is retransmitted after the initial RTO (1 s) and the handshake completes.",
      expect: {
        final: { client: ['ESTABLISHED'], server: ['ESTABLISHED'] },
        segments: [
          { from: 'client', flags: ['SYN'], min: 2, max: 2 },
          { from: 'client', flags: ['SYN'], retransmit: true, min: 1, max: 1 },
        ],
        drops: [{ reason: 'targeted', min: 1, max: 1 }],
      },
    },
    handshakeOnly()
      .drop({ from: 'client', exactFlags: ['SYN'] }, 'drop the first SYN')
      .build(),
  ),
  builtIn(
    {
      name: 'lost-synack',
      description:
        "The server's first SYN-ACK is lost; a retransmission (the server's SYN-ACK timer, or the client's repeated SYN answered at once) completes the handshake.",
      expect: {
        final: { client: ['ESTABLISHED'], server: ['ESTABLISHED'] },
        segments: [{ from: 'server', flags: ['SYN', 'ACK'], min: 2 }],
        drops: [{ reason: 'targeted', min: 1, max: 1 }],
      },
    },
    handshakeOnly()
      .drop({ from: 'server', exactFlags: ['SYN', 'ACK'] }, 'drop the first SYN-ACK')
      .build(),
  ),
  builtIn(
    {
      name: 'lost-final-ack',
      description:
        "The client's last ACK is lost: the server retransmits its FIN from LAST_ACK, the client re-ACKs from TIME_WAIT and restarts the 2MSL timer.",
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
    simulation()
      .endpoint('client', (c) => c.connect('server', PORT).on('connected', 'close', { after: 80 }))
      .endpoint('server', (s) => s.listen(PORT).on('peer-closed', 'close', { after: 100 }))
      .network(LAN)
      .drop({ from: 'client', exactFlags: ['ACK'], senderState: 'TIME_WAIT' }, 'drop the last ACK')
      .build(),
  ),
  builtIn(
    {
      name: 'old-duplicate-syn',
      description:
        'RFC 9293 figure 8: an old duplicate SYN reaches the server first; the client answers the stale SYN-ACK with RST and the real handshake then completes.',
      expect: {
        final: { client: ['ESTABLISHED'], server: ['CLOSED', 'ESTABLISHED'] },
        segments: [
          { from: 'server', flags: ['SYN', 'ACK'], min: 2 },
          { from: 'client', flags: ['RST'], min: 1, max: 1 },
        ],
        visits: [{ endpoint: 'server', states: ['SYN_RECEIVED', 'CLOSED'] }],
      },
    },
    simulation()
      .endpoint('client', (c) =>
        c
          // A SYN from an earlier incarnation of this 4-tuple, still wandering the network.
          .raw({ srcPort: 40000, dstPort: PORT, seq: 90, flags: ['SYN'] }, 'server')
          .at(5)
          .connect('server', PORT, { localPort: 40000 }),
      )
      .endpoint('server', (s) => s.listen(PORT))
      .network(LAN)
      .fault(
        { from: 'client', exactFlags: ['SYN'], senderState: 'SYN_SENT' },
        { delay: 50 },
        'the new SYN is slow',
      )
      .build(),
  ),
  builtIn(
    {
      name: 'half-open',
      description:
        'RFC 9293 figure 10: the client crashes and reconnects from the same port; the server, still ESTABLISHED, answers the SYN with an ACK, the client resets it, and a fresh connection follows.',
      expect: {
        final: { client: ['CLOSED', 'ESTABLISHED'], server: ['CLOSED', 'ESTABLISHED'] },
        segments: [
          { from: 'server', flags: ['ACK'], state: 'ESTABLISHED', min: 1 },
          { from: 'client', flags: ['RST'], min: 1, max: 1 },
        ],
        app: [{ endpoint: 'server', event: 'closed', reason: 'reset', min: 1, max: 1 }],
      },
    },
    clientServer(
      (c) =>
        c
          .connect('server', PORT, { localPort: 40000 })
          .at(100)
          .send(100)
          .at(500)
          .restart()
          .at(1000)
          .connect('server', PORT, { localPort: 40000 }),
      (s) => s.listen(PORT),
    ),
  ),
  builtIn(
    {
      name: 'half-open-keepalive',
      description:
        "The client's host crashes and stays off the network; the server, still ESTABLISHED, sends keepalive probes (seq = SND.NXT - 1) after 10 s of silence, every 5 s; after the third goes unanswered it resets the connection and its application gets ETIMEDOUT.",
      expect: {
        final: { client: ['CLOSED'], server: ['CLOSED'] },
        // RFC 1122 §4.2.3.6 probes: retransmitted-looking empty ACKs from ESTABLISHED (keepalive, not data).
        segments: [
          { from: 'server', flags: ['ACK'], state: 'ESTABLISHED', retransmit: true, min: 3, max: 3 },
          { from: 'server', flags: ['ACK', 'RST'], min: 1, max: 1 },
          { from: 'client', flags: ['RST'], min: 0, max: 0 },
        ],
        app: [{ endpoint: 'server', event: 'closed', reason: 'timeout', min: 1, max: 1 }],
      },
    },
    simulation()
      .endpoint('client', (c) =>
        c
          .connect('server', PORT, { localPort: 40000 })
          .on('connected', 'send', { bytes: 100, after: 80 })
          .at(500)
          .restart(),
      )
      .endpoint('server', (s) =>
        // SO_KEEPALIVE with TCP_KEEPIDLE 10 s, TCP_KEEPINTVL 5 s, TCP_KEEPCNT 3 (Linux: 7200 s / 75 s / 9);
        // the timeline and the final RST+ACK are kernel-checked by conformance/keepalive-probes-reset.pkt.
        s
          .overrides({ keepalive: true, keepaliveIdle: 10_000, keepaliveInterval: 5_000, keepaliveProbes: 3 })
          .listen(PORT),
      )
      .network(LAN)
      // The crashed host stays powered off: the server's probes (its 2nd to 4th bare ACKs; the 1st
      // acknowledged the data) and its final RST reach no one, so nothing answers them.
      .drop({ from: 'server', exactFlags: ['ACK'], nth: 2 }, 'the client is down')
      .drop({ from: 'server', exactFlags: ['ACK'], nth: 3 }, 'the client is down')
      .drop({ from: 'server', exactFlags: ['ACK'], nth: 4 }, 'the client is down')
      .drop({ from: 'server', flags: ['RST'] }, 'the client is down')
      .build(),
  ),
  builtIn(
    {
      name: 'rst-abort',
      description:
        'The client ABORTs an established connection: it sends RST (RST|ACK in Linux, a bare RST in RFC 9293), and the server reports "connection reset".',
      expect: {
        final: { client: ['CLOSED'], server: ['CLOSED'] },
        // Linux's ABORT (tcp_send_active_reset) sets ACK on the RST; RFC 9293 §3.10.5 sends a bare RST.
        segments: [{ from: 'client', flags: ['ACK', 'RST'], min: 1, max: 1 }],
        app: [
          { endpoint: 'server', event: 'error', error: 'connection reset', min: 1, max: 1 },
          { endpoint: 'client', event: 'closed', reason: 'aborted', min: 1, max: 1 },
        ],
      },
    },
    clientServer(
      (c) =>
        c
          .connect('server', PORT)
          .on('connected', 'send', { bytes: 500, after: 80 })
          .on('connected', 'abort', { after: 280 }),
      (s) => s.listen(PORT),
    ),
  ),
  builtIn(
    {
      name: 'syn-flood',
      description:
        "An attacker floods the server with spoofed SYNs; the half-open queue (backlog 8) stays full and the client's connect() times out.",
      expect: {
        final: { client: ['CLOSED'] },
        drops: [{ reason: 'syn-queue-full', min: 1 }],
        app: [{ endpoint: 'client', event: 'closed', reason: 'timeout', min: 1, max: 1 }],
      },
    },
    synFlood(0),
  ),
  builtIn(
    {
      name: 'syn-cookies',
      description:
        'The same flood against a server with SYN cookies (mode 1): when the queue overflows the server answers statelessly and the client still connects.',
      expect: {
        final: { client: ['ESTABLISHED'] },
        app: [{ endpoint: 'client', event: 'connected', min: 1, max: 1 }],
      },
    },
    synFlood(1),
  ),
  builtIn(
    {
      name: 'isn-spoofing',
      description:
        "An off-path attacker learns the server's ISN clock from two connections of its own (ISNs from RFC 793's bare clock, no hash), forges a SYN from a trusted host that is down, guesses the ISN of the SYN-ACK it never sees, and its forged third segment with 100 bytes is accepted.",
      expect: {
        segments: [
          { from: 'attacker', flags: ['ACK', 'PSH'], min: 1, max: 1 },
          { from: 'server', flags: ['RST'], max: 0 },
        ],
        app: [{ endpoint: 'server', event: 'accept', min: 3, max: 3 }],
        received: { server: 100 },
      },
    },
    isnSpoofing('clock'),
  ),
  builtIn(
    {
      name: 'isn-spoofing-rfc6528',
      description:
        'The same attack against RFC 6528 ISNs (a keyed hash of the 4-tuple, as Linux): the guess misses, the server answers the forged ACK with RST, and the 100 bytes never reach its application.',
      expect: {
        segments: [
          { from: 'attacker', flags: ['ACK', 'PSH'], min: 1, max: 1 },
          { from: 'server', flags: ['RST'], min: 1, max: 1 },
        ],
        app: [{ endpoint: 'server', event: 'accept', min: 2, max: 2 }],
        received: { server: 0 },
      },
    },
    isnSpoofing('keyed-hash'),
  ),
  builtIn(
    {
      name: 'lossy-transfer',
      description:
        'Bulk data both ways (200 KB up, 100 KB down) under 5 % loss, 10 % reordering and jitter: every byte arrives, in order, exactly once.',
      expect: {
        final: { client: ['CLOSED'], server: ['CLOSED'] },
        segments: [{ retransmit: true, min: 1 }],
        integrity: true,
        received: { client: 100_000, server: 200_000 },
      },
    },
    simulation()
      .endpoint('client', (c) =>
        c
          .connect('server', PORT)
          .on('connected', 'send', { bytes: 200_000, after: 80 })
          .on('connected', 'close', { after: 180 }),
      )
      .endpoint('server', (s) =>
        s
          .listen(PORT)
          .on('accept', 'send', { bytes: 100_000, after: 50 })
          .on('peer-closed', 'close', { after: 10 }),
      )
      .network({ delay: 10, jitter: 4, loss: 0.05, reorder: 0.1 })
      .build(),
  ),
  builtIn(
    {
      name: 'bulk-transfer',
      description: `A long one-way transfer (${BULK_BYTES / 1_000_000} MB client → server) over a 100 ms RTT path with 1 % Bernoulli loss both ways, for goodput under loss: sweep it with --loss and --delay.`,
      expect: {
        final: { client: ['CLOSED'], server: ['CLOSED'] },
        integrity: true,
        received: { server: BULK_BYTES },
      },
    },
    simulation({ maxTime: 3_600_000 })
      .endpoint('client', (c) =>
        c.connect('server', PORT).on('connected', 'send', { bytes: BULK_BYTES }).on('connected', 'close'),
      )
      .endpoint('server', (s) => s.listen(PORT).on('peer-closed', 'close'))
      .network({ delay: 50, loss: 0.01 })
      .build(),
  ),
];

export const DEFAULT_SCENARIO = 'lifecycle';

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
