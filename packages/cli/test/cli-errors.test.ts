/**
 * Bad input through the real binary: every mistake a user can make on the
 * command line or in a scenario file ends with exit 2 and a short message on
 * stderr that names the culprit — never a stack trace, never a run. Scenario
 * files whose expectations fail end with exit 1.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type CliResult, describeResult, synack, tempDir } from './helpers.js';

/**
 * A usage/input error as the user sees it: exit 2, nothing on stdout, and a
 * one-line message on stderr (commander may add hint lines in parentheses,
 * such as "(Did you mean --loss?)" and "(run with --help for usage)").
 */
function expectUsageError(r: CliResult, names: Array<string | RegExp>): string {
  expect(r.code, describeResult(r)).toBe(2);
  expect(r.stdout, describeResult(r)).toBe('');
  expect(r.stderr, 'a stack trace').not.toMatch(/ {4}at /);
  expect(r.stderr).not.toMatch(/internal error/i);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines[0], describeResult(r)).toMatch(/^(error: |synack: )/);
  for (const extra of lines.slice(1)) expect(extra, describeResult(r)).toMatch(/^\(.+\)$/);
  expect(lines.length).toBeLessThanOrEqual(3);
  for (const name of names) {
    if (typeof name === 'string') expect(lines[0], describeResult(r)).toContain(name);
    else expect(lines[0], describeResult(r)).toMatch(name);
  }
  return lines[0];
}

// Each case is its own process: run them concurrently (vitest's maxConcurrency bounds how many at once).
describe.concurrent('bad command-line input → exit 2 naming the flag', () => {
  it.each<[string[], Array<string | RegExp>]>([
    [
      ['run', '--loss', '1.5'],
      ["'--loss <p>'", '1.5', 'probability in [0, 1]'],
    ],
    [
      ['run', '--loss', 'abc'],
      ["'--loss <p>'", 'abc'],
    ],
    [['run', '--loss', ''], ["'--loss <p>'"]],
    [
      ['run', '--reorder', '2'],
      ["'--reorder <p>'", '2'],
    ],
    [
      ['run', '--duplicate', '-0.1'],
      ["'--duplicate <p>'", '-0.1'],
    ],
    [
      ['run', '--delay', '-5'],
      ["'--delay <ms>'", '-5', 'in [0, 3600000]'],
    ],
    [
      ['run', '--delay=-5'],
      ["'--delay <ms>'", '-5'],
    ],
    [
      ['run', '--delay', 'Infinity'],
      ["'--delay <ms>'", 'Infinity'],
    ],
    [
      ['run', '--jitter', 'x'],
      ["'--jitter <ms>'", '"x"'],
    ],
    [
      ['run', '--seed', '-1'],
      ["'--seed <n>'", '-1', 'integer'],
    ],
    [
      ['run', '--seed', '1.5'],
      ["'--seed <n>'", '1.5'],
    ],
    [
      ['run', '--seed', '4294967296'],
      ["'--seed <n>'", '4294967296'],
    ],
    [
      ['run', '--seed', '0x10'],
      ["'--seed <n>'", '0x10'],
    ],
    [
      ['run', '--profile', 'bsd'],
      ["'--profile <name>'", 'bsd', 'linux, rfc9293'],
    ],
    [
      ['run', '--format', 'xml'],
      ["'--format <format>'", 'xml', 'text, jsonl, mermaid'],
    ],
    [
      ['run', '--max-time', '0'],
      ["'--max-time <ms>'", '0', 'positive'],
    ],
    [
      ['run', '--max-time', 'soon'],
      ["'--max-time <ms>'", 'soon'],
    ],
    [
      ['run', '--realtime', '0'],
      ["'--realtime [speed]'", '0', 'positive'],
    ],
    [
      ['run', '--realtime', '-2'],
      ["'--realtime [speed]'", '-2'],
    ],
    [
      ['run', '--seed'],
      ["'--seed <n>'", 'argument missing'],
    ],
    [['run', '--lose', '0.1'], ["unknown option '--lose'"]],
    [['run', '--colour'], ["unknown option '--colour'"]],
    [['frobnicate'], ["unknown command 'frobnicate'"]],
    [['run', 'handshake', 'lifecycle'], ['too many arguments']],
    [
      ['run', 'no-such-scenario'],
      ['unknown scenario "no-such-scenario"', 'synack list', 'handshake', 'lossy-transfer'],
    ],
  ])('synack %j', async (args, names) => {
    const r = await synack(args);
    expectUsageError(r, names);
  });

  it('an unknown flag gets a spelling hint', async () => {
    const r = await synack(['run', '--lose', '0.1']);
    expect(r.stderr).toContain('(Did you mean --loss?)');
  });

  it('a bad flag is rejected before anything runs, whatever comes first on the line', async () => {
    const r = await synack(['run', 'lossy-transfer', '--format', 'jsonl', '--loss', '7']);
    expectUsageError(r, ["'--loss <p>'", '7']);
  });

  it('--pcap into a directory that does not exist → exit 2 naming --pcap and the path, no stack trace', async () => {
    const r = await synack(['run', 'handshake', '--pcap', '/nonexistent-synack-dir/out.pcap']);
    expectUsageError(r, ['/nonexistent-synack-dir/out.pcap']);
    expect(r.stderr).toMatch(/pcap/);
  });
});

// ---------------------------------------------------------------------------
// Scenario files

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** Two endpoints doing a handshake, as JSON data; tests break one field at a time. */
function base(): Record<string, any> {
  return {
    name: 'custom',
    endpoints: [
      { id: 'client', actions: [{ at: 0, do: 'connect', to: 'server', port: 80 }] },
      { id: 'server', actions: [{ at: 0, do: 'listen', port: 80 }] },
    ],
  };
}

function variant(mutate: (s: Record<string, any>) => void): string {
  const s = base();
  mutate(s);
  return JSON.stringify(s, null, 2);
}

interface FileCase {
  title: string;
  file: string;
  text: string;
  /** What the first line of stderr must contain besides the file's path. */
  names: Array<string | RegExp>;
}

const FILE_CASES: FileCase[] = [
  {
    title: 'malformed JSON',
    file: 'malformed.json',
    text: '{ "name": "x", "endpoints": [ { "id": "client" }, ]',
    names: ['malformed JSON'],
  },
  {
    title: 'malformed YAML',
    file: 'malformed.yaml',
    text: 'name: x\nendpoints:\n  - id: client\n   actions: [\n',
    names: ['malformed YAML'],
  },
  {
    title: 'YAML with a duplicate key',
    file: 'dupkey.yaml',
    text: 'name: a\nname: b\nendpoints: [{ id: client }]\n',
    names: ['malformed YAML', /unique/i],
  },
  {
    title: 'empty YAML file',
    file: 'empty.yaml',
    text: '',
    names: ['(root)'],
  },
  {
    title: 'unknown top-level field',
    file: 'unknown-top.json',
    text: variant((s) => {
      s.colour = 'blue';
    }),
    names: ['(root)', '"colour"'],
  },
  {
    title: 'unknown nested field',
    file: 'unknown-nested.json',
    text: variant((s) => {
      s.network = { default: { delay: 10, lossy: 0.1 } };
    }),
    names: ['network.default', '"lossy"'],
  },
  {
    title: 'unknown field in an action',
    file: 'unknown-action-field.yaml',
    text: 'name: x\nendpoints:\n  - id: client\n    actions:\n      - { at: 0, do: connect, to: server, prot: 80 }\n  - id: server\n',
    names: ['endpoints[0].actions[0]'],
  },
  {
    title: 'loss 1.5 in network.default',
    file: 'loss.json',
    text: variant((s) => {
      s.network = { default: { loss: 1.5 } };
    }),
    names: ['network.default.loss:'],
  },
  {
    title: 'negative delay',
    file: 'delay.yaml',
    text: 'name: x\nendpoints: [{ id: client }, { id: server }]\nnetwork:\n  default: { delay: -5 }\n',
    names: ['network.default.delay:'],
  },
  {
    title: 'negative delay on a link',
    file: 'link-delay.json',
    text: variant((s) => {
      s.network = { links: { 'client->server': { delay: -1 } } };
    }),
    names: ['network.links.client->server.delay:'],
  },
  {
    title: 'backlog 0',
    file: 'backlog.json',
    text: variant((s) => {
      s.endpoints[1].actions[0].backlog = 0;
    }),
    names: ['endpoints[1].actions[0].backlog:'],
  },
  {
    title: 'port 70000',
    file: 'port.json',
    text: variant((s) => {
      s.endpoints[1].actions[0].port = 70000;
    }),
    names: ['endpoints[1].actions[0].port:'],
  },
  {
    title: 'wrong type (seed "abc")',
    file: 'seed.json',
    text: variant((s) => {
      s.seed = 'abc';
    }),
    names: ['seed:', /expected number/],
  },
  {
    title: 'unknown action `do`',
    file: 'action.yaml',
    text: 'name: x\nendpoints:\n  - id: client\n  - id: server\n    actions:\n      - { at: 0, do: dance }\n',
    names: ['endpoints[1].actions[0].do:', 'listen'],
  },
  {
    title: 'endpoints missing',
    file: 'no-endpoints.json',
    text: '{ "name": "x" }',
    names: ['endpoints:'],
  },
  {
    title: 'endpoints empty',
    file: 'empty-endpoints.json',
    text: '{ "name": "x", "endpoints": [] }',
    names: ['endpoints:'],
  },
  {
    title: 'duplicate endpoint id',
    file: 'dup-id.json',
    text: variant((s) => {
      s.endpoints[1].id = 'client';
    }),
    names: ['endpoints[1].id:', '"client" is used twice'],
  },
  {
    title: 'duplicate endpoint address',
    file: 'dup-address.yaml',
    text: 'name: x\nendpoints:\n  - { id: client, address: 10.0.0.5 }\n  - { id: server, address: 10.0.0.5 }\n',
    names: [/endpoints(\[1\]|\.server)\.address/, '10.0.0.5'],
  },
  {
    title: 'a link naming an endpoint that does not exist',
    file: 'unknown-link.yaml',
    text: 'name: x\nendpoints: [{ id: client }, { id: server }]\nnetwork:\n  links:\n    client->sever: { loss: 1 }\n',
    names: ['network.links', 'client->sever'],
  },
  {
    title: 'connect to an unknown endpoint',
    file: 'unknown-peer.json',
    text: variant((s) => {
      s.endpoints[0].actions[0].to = 'nobody';
    }),
    names: ['endpoints[0].actions[0].to:', '"nobody"'],
  },
  {
    title: 'unknown state in an expectation',
    file: 'bad-state.yaml',
    text: 'name: x\nendpoints: [{ id: client }]\nexpect:\n  final: { client: [ESTABLISHD] }\n',
    names: ['expect.final.client[0]:'],
  },
  {
    title: 'a list where an object belongs',
    file: 'array.json',
    text: '[1, 2, 3]',
    names: ['(root)', /expected object/],
  },
];

describe.concurrent('bad scenario files → exit 2 naming the file and the field', () => {
  it.each(FILE_CASES)('$title', async ({ file, text, names }) => {
    const path = tmp.write(file, text);
    const r = await synack(['run', path]);
    const line = expectUsageError(r, [`synack: ${path}: `, ...names]);
    expect(line.length).toBeLessThan(400);
  });

  it('missing file', async () => {
    const path = `${tmp.dir}/does-not-exist.yaml`;
    const r = await synack(['run', path]);
    expectUsageError(r, [`cannot read scenario file ${path}`, 'ENOENT']);
  });

  it('a relative path is resolved against the working directory', async () => {
    tmp.write(
      'bad-relative.json',
      variant((s) => {
        s.endpoints[1].actions[0].port = 0;
      }),
    );
    const r = await synack(['run', 'bad-relative.json'], { cwd: tmp.dir });
    expectUsageError(r, ['synack: bad-relative.json: endpoints[1].actions[0].port:']);
  });
});

// ---------------------------------------------------------------------------
// Valid scenario files

const GOOD_YAML = `# A handshake, 3000 bytes up, and a four-way close on port 8080 over a 20 ms link.
name: upload
description: The client uploads 3000 bytes and closes; the server closes 50 ms after EOF.
seed: 7
endpoints:
  - id: client
    actions:
      - { at: 0, do: connect, to: server, port: 8080 }
      - { at: 100, do: send, bytes: 3000 }
      - { at: 300, do: close }
  - id: server
    actions:
      - { at: 0, do: listen, port: 8080 }
    reactions:
      - { on: peer-closed, do: close, after: 50 }
network:
  default: { delay: 20 }
expect:
  final: { client: [CLOSED], server: [CLOSED] }
  visits:
    - { endpoint: client, states: [SYN_SENT, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, TIME_WAIT, CLOSED] }
    - { endpoint: server, states: [LISTEN, SYN_RECEIVED, ESTABLISHED, CLOSE_WAIT, LAST_ACK, CLOSED] }
  segments:
    - { from: client, flags: [SYN], min: 1, max: 1 }
    - { from: client, minLen: 1, min: 3 }
  drops:
    - { max: 0 }
  integrity: true
  received: { server: 3000, client: 0 }
`;

/** The same run, expecting what did not happen. */
const FAILING_YAML = GOOD_YAML.replace('name: upload', 'name: upload-wrong')
  .replace('received: { server: 3000, client: 0 }', 'received: { server: 4000, client: 0 }')
  .replace('- { from: client, flags: [SYN], min: 1, max: 1 }', '- { from: client, flags: [SYN], min: 2 }');

describe.concurrent('valid scenario files', () => {
  it('YAML whose expectations hold → exit 0, every expectation ✓', async () => {
    const path = tmp.write('upload.yaml', GOOD_YAML);
    const r = await synack(['run', path]);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')[0]).toBe('synack run upload  profile linux  seed 7  delay 20 ms');
    expect(r.stdout.split('\n')[1]).toBe(
      'The client uploads 3000 bytes and closes; the server closes 50 ms after EOF.',
    );
    expect(r.stdout).toContain('✓ server receives 3000 bytes');
    expect(r.stdout).toContain(
      '✓ client visits SYN_SENT → ESTABLISHED → FIN_WAIT_1 → FIN_WAIT_2 → TIME_WAIT → CLOSED',
    );
    expect(r.stdout.match(/^ {2}✓ /gm)).toHaveLength(11);
    expect(r.stdout).not.toContain('✗');
    expect(r.stdout).toMatch(/app: listen\(:8080, backlog 128\)/);
  });

  it('the same scenario as JSON (and as an extension-less file) runs identically', async () => {
    const { parse } = await import('yaml');
    const json = tmp.write('upload.json', JSON.stringify(parse(GOOD_YAML)));
    const bare = tmp.write('upload-scenario', GOOD_YAML);
    const yml = tmp.write('upload.yml', GOOD_YAML);
    const [a, b, c] = await Promise.all([
      synack(['run', json, '--format', 'jsonl']),
      synack(['run', bare, '--format', 'jsonl']),
      synack(['run', yml, '--format', 'jsonl']),
    ]);
    for (const r of [a, b, c]) expect(r.code, describeResult(r)).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    expect(c.stdout).toBe(a.stdout);
  });

  it('command-line flags override the file (seed, delay, profile)', async () => {
    const path = tmp.write('upload-override.yaml', GOOD_YAML);
    const r = await synack(['run', path, '--seed', '3', '--delay', '5', '--profile', 'rfc9293']);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('synack run upload  profile rfc9293  seed 3  delay 5 ms');
  });

  it('YAML whose expectations fail → exit 1 with ✗ lines naming what was expected and what happened', async () => {
    const path = tmp.write('upload-wrong.yaml', FAILING_YAML);
    const r = await synack(['run', path]);
    expect(r.code, describeResult(r)).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^run completed at /m);
    const failed = r.stdout.split('\n').filter((l) => l.startsWith('  ✗ '));
    expect(failed).toEqual([
      '  ✗ at least 2 from client [SYN] — saw 1',
      '  ✗ server receives 4000 bytes — got 3000',
    ]);
    expect(r.stdout.match(/^ {2}✓ /gm)).toHaveLength(9);
  });

  it('with --format jsonl the failures go to stderr and stdout stays pure JSON', async () => {
    const path = tmp.write('upload-wrong-jsonl.yaml', FAILING_YAML);
    const r = await synack(['run', path, '--format', 'jsonl']);
    expect(r.code, describeResult(r)).toBe(1);
    for (const line of r.stdout.trimEnd().split('\n')) expect(() => JSON.parse(line), line).not.toThrow();
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      'synack: expectation failed: at least 2 from client [SYN] (saw 1)',
      'synack: expectation failed: server receives 4000 bytes (got 3000)',
    ]);
  });
});
