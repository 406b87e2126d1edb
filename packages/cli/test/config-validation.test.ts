/**
 * One schema, one message: the same bad config is rejected by @synack/network's
 * validateSimulationConfig and by `synack run FILE` (whose scenario-file schema extends the
 * library's) with the same one-line message naming the field; the CLI only prefixes the file.
 */
import { type SimulationConfig, validateSimulationConfig } from '@synack/network';
import { afterAll, describe, expect, it } from 'vitest';
import { describeResult, synack, tempDir } from './helpers.js';

/** A handshake that both accept; each case breaks one field. */
function base(): SimulationConfig {
  return {
    seed: 1,
    endpoints: [
      { id: 'client', actions: [{ at: 0, do: 'connect', to: 'server', port: 80 }] },
      { id: 'server', actions: [{ at: 0, do: 'listen', port: 80 }] },
    ],
    network: { default: { delay: 10 } },
  };
}

type Mutation = (config: Record<string, any>) => void;

const CASES: Array<[title: string, mutate: Mutation, message: string | RegExp]> = [
  ['a top-level typo', (c) => (c.netwrk = {}), '(root): unknown field "netwrk"'],
  [
    'port 70000',
    (c) => (c.endpoints[1].actions[0].port = 70_000),
    'endpoints[1].actions[0].port: must be an integer between 1 and 65535, got 70000',
  ],
  [
    'a sender state that is not a TCP state',
    (c) => (c.network.faults = [{ match: { senderState: 'TIME-WAIT' }, action: { drop: true } }]),
    /^network\.faults\[0\]\.match\.senderState: must be one of CLOSED, LISTEN, .*, TIME_WAIT, got "TIME-WAIT"$/,
  ],
  [
    'loss 1.5',
    (c) => (c.network.default.loss = 1.5),
    'network.default.loss: must be between 0 and 1, got 1.5',
  ],
  [
    'a one-way delay of two hours',
    (c) => (c.network.default.delay = 7_200_000),
    'network.default.delay: must be between 0 and 3600000 ms, got 7200000',
  ],
  [
    'a misspelt fault-model field',
    (c) => (c.network.default.jiter = 3),
    'network.default: unknown field "jiter"',
  ],
  [
    'queueLimit without bandwidth',
    (c) => (c.network.default.queueLimit = 5),
    'network.default.queueLimit: needs bandwidth (no queue without it)',
  ],
  [
    'a link naming no endpoint',
    (c) => (c.network.links = { 'client->sever': { loss: 0.1 } }),
    'network.links.client->sever: "sever" is not an endpoint id',
  ],
  [
    'a malformed link key',
    (c) => (c.network.links = { clientserver: {} }),
    'network.links.clientserver: link keys look like "client->server"',
  ],
  [
    'an unknown flag in a matcher',
    (c) => (c.network.faults = [{ match: { exactFlags: ['SYNACK'] }, action: { drop: true } }]),
    'network.faults[0].match.exactFlags[0]: must be one of SYN, ACK, FIN, RST, PSH, got "SYNACK"',
  ],
  [
    'a fault with two actions',
    (c) => (c.network.faults = [{ match: {}, action: { drop: true, delay: 5 } }]),
    'network.faults[0].action: must be exactly one of { drop: true }, { delay: ms }, { duplicate: true }',
  ],
  [
    'a negative nth',
    (c) => (c.network.faults = [{ match: { nth: -1 }, action: { drop: true } }]),
    'network.faults[0].match.nth: must be an integer between 0 and 1000000, got -1',
  ],
  [
    'a duplicate endpoint id',
    (c) => (c.endpoints[1].id = 'client'),
    'endpoints[1].id: "client" is used twice',
  ],
  [
    'two endpoints on one address',
    (c) => (c.endpoints[1].address = '10.0.0.1'),
    'endpoints[1].address: 10.0.0.1 is also the address of "client"',
  ],
  [
    'an address that is not IPv4',
    (c) => (c.endpoints[0].address = '10.0.0.256'),
    'endpoints[0].address: must be an IPv4 address such as 10.0.0.1, got "10.0.0.256"',
  ],
  [
    'two listens on one port',
    (c) => c.endpoints[1].actions.push({ at: 100, do: 'listen', port: 80 }),
    'endpoints[1].actions[1].port: port 80 already has a listener (actions[0]); listen once per port',
  ],
  [
    'a connect to nobody',
    (c) => (c.endpoints[0].actions[0].to = 'nobody'),
    'endpoints[0].actions[0].to: "nobody" is neither an endpoint id nor an IPv4 address',
  ],
  [
    'an unknown action',
    (c) => c.endpoints[0].actions.push({ at: 5, do: 'explode' }),
    /^endpoints\[0\]\.actions\[1\]\.do: must be one of listen, connect, .*, got "explode"$/,
  ],
  [
    'a 100 MB send',
    (c) => c.endpoints[0].actions.push({ at: 5, do: 'send', bytes: 100_000_000 }),
    'endpoints[0].actions[1].bytes: must be an integer between 1 and 67108864 bytes, got 100000000',
  ],
  [
    'a raw segment with nowhere to go',
    (c) =>
      c.endpoints[0].actions.push({
        at: 5,
        do: 'raw',
        segment: { srcPort: 1, dstPort: 80, seq: 0, flags: ['SYN'] },
      }),
    'endpoints[0].actions[1].segment.dstAddr: is required when the action has no "to"',
  ],
  [
    'syncookies 3',
    (c) => (c.endpoints[1].actions[0].syncookies = 3),
    'endpoints[1].actions[0].syncookies: must be one of 0, 1, 2, got 3',
  ],
  [
    'a send reaction without bytes',
    (c) => (c.endpoints[1].reactions = [{ on: 'accept', do: 'send' }]),
    'endpoints[1].reactions[0].bytes: is required when do is "send"',
  ],
  [
    'an unknown reaction event',
    (c) => (c.endpoints[1].reactions = [{ on: 'closed', do: 'close' }]),
    'endpoints[1].reactions[0].on: must be one of connected, accept, peer-closed, got "closed"',
  ],
  [
    'SO_LINGER longer than a day',
    (c) => c.endpoints[0].actions.push({ at: 5, do: 'setsockopt', linger: { on: true, seconds: 90_000 } }),
    'endpoints[0].actions[1].linger.seconds: must be an integer between 0 and 86400 s, got 90000',
  ],
  [
    'SO_LINGER without its on/off',
    (c) => c.endpoints[0].actions.push({ at: 5, do: 'setsockopt', linger: { seconds: 0 } }),
    /^endpoints\[0\]\.actions\[1\]\.linger\.on: /,
  ],
  [
    'TCP_KEEPCNT 0 on a connection',
    (c) => c.endpoints[0].actions.push({ at: 5, do: 'setsockopt', keepalive: true, keepaliveProbes: 0 }),
    'endpoints[0].actions[1].keepaliveProbes: must be an integer between 1 and 127, got 0',
  ],
  [
    'autoRead that is not a boolean',
    (c) => (c.endpoints[1].autoRead = 'no'),
    'endpoints[1].autoRead: Invalid input: expected boolean, received string',
  ],
  ['an unknown profile', (c) => (c.profile = 'bsd'), 'profile: must be one of linux, rfc9293, got "bsd"'],
  [
    'zero retries of a negative RTO',
    (c) => (c.endpoints[0].profileOverrides = { rtoInitial: -1 }),
    'endpoints[0].profileOverrides.rtoInitial: must be between 1 and 31536000000 ms, got -1',
  ],
  ['a fractional seed', (c) => (c.seed = 1.5), 'seed: must be an integer between 0 and 4294967295, got 1.5'],
  [
    'a seed of the wrong type',
    (c) => (c.seed = 'abc'),
    'seed: Invalid input: expected number, received string',
  ],
  ['no endpoints', (c) => (c.endpoints = []), 'endpoints: must list at least one endpoint'],
  ['maxTime 0', (c) => (c.maxTime = 0), 'maxTime: must be greater than 0 and at most 31536000000 ms, got 0'],
];

const tmp = tempDir('synack-config-');
afterAll(() => tmp.cleanup());

/** The library's message for `config`, or undefined when it accepts it. */
function libraryMessage(config: unknown): string | undefined {
  try {
    validateSimulationConfig(config);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

describe.concurrent('the library and `synack run FILE` reject the same config with the same message', () => {
  it('both accept the unbroken config', async () => {
    expect(libraryMessage(base())).toBeUndefined();
    const path = tmp.write('good.json', JSON.stringify({ name: 'good', ...base() }));
    const r = await synack(['run', path, '--format', 'jsonl']);
    expect(r.code, describeResult(r)).toBe(0);
  });

  it.each(CASES)('%s', async (title, mutate, expected) => {
    const config = base() as Record<string, any>;
    mutate(config);
    const message = libraryMessage(config);
    expect(message, 'the library accepted it').toBeDefined();
    if (typeof expected === 'string') expect(message).toBe(expected);
    else expect(message).toMatch(expected);
    expect(message).not.toContain('\n');

    const path = tmp.write(`${title.replace(/\W+/g, '-')}.json`, JSON.stringify({ name: 'bad', ...config }));
    const r = await synack(['run', path]);
    expect(r.code, describeResult(r)).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`synack: ${path}: ${message}\n`);
  });
});
