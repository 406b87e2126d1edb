/**
 * Endpoint groups and the topology section (src/groups.ts): templates, per-host offsets, links
 * per group, their one-line errors and bounds, and that a group runs exactly like the endpoints
 * written out by hand.
 */
import { describe, expect, it } from 'vitest';
import { expandGroups, fillTemplate } from '../src/groups.js';
import { runSimulation, type SimulationConfig, toJsonLines, validateSimulationConfig } from '../src/index.js';

function clientsAndServer(count: number): SimulationConfig {
  return {
    seed: 3,
    endpoints: [
      {
        id: 'server',
        actions: [{ at: 0, do: 'listen', port: 80 }],
        reactions: [{ on: 'peer-closed', do: 'close' }],
      },
    ],
    groups: [
      {
        name: 'clients',
        count,
        id: 'client-{i}',
        address: '10.1.{i/256}.{i%256}',
        offset: 3,
        actions: [{ at: 1, do: 'connect', to: 'server', port: 80 }],
        reactions: [{ on: 'connected', do: 'close', after: 50 }],
      },
    ],
    topology: { default: { delay: 10 }, links: [{ between: ['clients', 'server'], delay: 4 }] },
  };
}

describe('templates', () => {
  it('fill {i}, {i+N}, {i/N} and {i%N}', () => {
    expect(fillTemplate('h{i}', 7)).toBe('h7');
    expect(fillTemplate('h{i+1}', 7)).toBe('h8');
    expect(fillTemplate('10.1.{i/256}.{i%256}', 600)).toBe('10.1.2.88');
    expect(fillTemplate('server', 600)).toBe('server');
  });

  it('expand a group into endpoints after the plain ones, actions shifted by i × offset, links both ways', () => {
    const expanded = expandGroups(clientsAndServer(3));
    expect(expanded.endpoints.map((e) => [e.id, e.address, e.actions?.[0].at])).toEqual([
      ['server', undefined, 0],
      ['client-0', '10.1.0.0', 1],
      ['client-1', '10.1.0.1', 4],
      ['client-2', '10.1.0.2', 7],
    ]);
    expect(expanded.network?.default).toEqual({ delay: 10 });
    expect(expanded.network?.links?.['client-2->server']).toEqual({ delay: 4 });
    expect(expanded.network?.links?.['server->client-2']).toEqual({ delay: 4 });
    expect('groups' in expanded || 'topology' in expanded).toBe(false);
  });
});

describe('a group runs like the same endpoints written out', () => {
  it('same trace as the hand-expanded config; every client connects and closes over the 4 ms link', async () => {
    const grouped = await runSimulation(clientsAndServer(5), { threads: 2 });
    expect(grouped.ok).toBe(true);
    const byHand = { ...expandGroups(clientsAndServer(5)) };
    const written = await runSimulation(byHand, { threads: 'inline' });
    expect(toJsonLines(grouped.trace)).toBe(toJsonLines(written.trace));
    for (let i = 0; i < 5; i++) expect(grouped.summary.final[`client-${i}`]).toEqual(['CLOSED']);
    const syn = grouped.trace.find((e) => e.kind === 'send' && e.endpoint === 'client-4');
    expect(syn).toMatchObject({ t: 1 + 4 * 3 });
    const delivered = grouped.trace.find((e) => e.kind === 'deliver' && e.endpoint === 'server');
    expect(delivered!.t - 1).toBe(4);
  });
});

describe('one-line errors and bounds', () => {
  const cases: Array<[string, (c: SimulationConfig) => void, string]> = [
    [
      'an unknown hole',
      (c) => (c.groups![0].id = 'client-{j}'),
      'groups[0].id: "{j}" is not a template hole',
    ],
    [
      'division by zero',
      (c) => (c.groups![0].address = '10.1.{i/0}.1'),
      'groups[0].address: "{i/0}" divides by zero',
    ],
    [
      'a bad id',
      (c) => (c.groups![0].id = '{i}'),
      'groups[0].id: host 0 gets the id "0", which is not a name',
    ],
    [
      'an address out of range',
      (c) => (c.groups![0].address = '10.1.1.{i+250}'),
      'groups[0].address: "client-6" gets 10.1.1.256',
    ],
    ['ids used twice', (c) => (c.groups![0].id = 'client'), 'groups[0].id: "client" is used twice'],
    [
      'too many endpoints',
      (c) => (c.groups![0].count = 20_000),
      'groups: the run has 20001 endpoints with its groups (at most 20000)',
    ],
    [
      'count beyond its bound',
      (c) => (c.groups![0].count = 20_001),
      'groups[0].count: must be an integer between 1 and 20000',
    ],
    [
      'an unknown link end',
      (c) => (c.topology!.links![0].between = ['clients', 'sever']),
      'topology.links[0].between[1]: "sever" is neither an endpoint id nor a group name',
    ],
    [
      'a group named like an endpoint',
      (c) => (c.groups![0].name = 'server'),
      'groups: group name "server" is also an endpoint id',
    ],
    [
      'an unknown field',
      (c) => ((c.groups![0] as Record<string, unknown>).cuont = 3),
      'groups[0]: unknown field "cuont"',
    ],
  ];
  it.each(cases)('%s', (_, mutate, message) => {
    const config = clientsAndServer(10);
    mutate(config);
    expect(() => validateSimulationConfig(config)).toThrow(message);
  });

  it('topology pairs are bounded (two groups of 1001: 1,002,001 pairs)', () => {
    const config = clientsAndServer(1001);
    config.groups![0].address = '10.1.{i/256}.{i%256}';
    config.groups!.push({
      ...config.groups![0],
      name: 'others',
      id: 'other-{i}',
      address: '10.2.{i/256}.{i%256}',
    });
    config.topology!.links = [{ between: ['clients', 'others'], delay: 1 }];
    expect(() => validateSimulationConfig(config)).toThrow(
      'topology.links: the links cover 1002001 endpoint pairs (at most 1000000)',
    );
  });
});
