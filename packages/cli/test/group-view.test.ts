/**
 * The text ladder's group view (issue 24): a group's hosts fold into one lane whose rows sum an
 * interval, --host draws chosen hosts as lanes, --full every endpoint; bad --host is exit 2.
 */
import type { SimulationConfig } from '@synack/network';
import { describe, expect, it } from 'vitest';
import {
  GROUP_VIEW_LANES,
  intervalMs,
  MAX_INTERVALS,
  MAX_PICKED_HOSTS,
  planLanes,
} from '../src/group-view.js';
import { synack, tempDir } from './helpers.js';

function groupConfig(count: number): SimulationConfig {
  return {
    seed: 1,
    endpoints: [{ id: 'server', address: '10.0.0.2' }],
    groups: [{ name: 'clients', count, id: 'client-{i}', address: '10.1.0.{i+1}' }],
  } as SimulationConfig;
}

describe('planLanes', () => {
  it('folds a group only when the lanes would not fit, or when --host picks', () => {
    expect(planLanes(groupConfig(GROUP_VIEW_LANES - 1), {})).toBeUndefined();
    const plan = planLanes(groupConfig(GROUP_VIEW_LANES), {});
    expect(plan?.drawn).toEqual(['server']);
    expect(plan?.folded.map((g) => [g.lane, g.members.length])).toEqual([['clients ×8', 8]]);
    const picked = planLanes(groupConfig(3), { hosts: ['client-1'] });
    expect(picked?.drawn).toEqual(['server', 'client-1']);
    expect(picked?.folded[0].members).toEqual(['client-0', 'client-2']);
    expect(planLanes(groupConfig(50), { full: true })).toBeUndefined();
  });

  it('--host globs with * and ?, in endpoint order, and maps addresses to ids', () => {
    const plan = planLanes(groupConfig(50), { hosts: ['client-4?', 'client-7'] });
    expect(plan?.drawn).toEqual([
      'server',
      'client-7',
      ...Array.from({ length: 10 }, (_, i) => `client-4${i}`),
    ]);
    expect(plan?.folded[0].members).toHaveLength(39);
    expect(plan?.addressToId.get('10.1.0.8')).toBe('client-7');
  });

  it('rejects a --host that picks nothing, too many hosts, or --host with --full', () => {
    expect(() => planLanes(groupConfig(50), { hosts: ['clint-1'] })).toThrow(
      '--host "clint-1": no endpoint has this id (ids: server, client-0, client-1 … client-49)',
    );
    expect(() => planLanes(groupConfig(50), { hosts: ['client-*'] })).toThrow(
      `--host picks 50 endpoints; at most ${MAX_PICKED_HOSTS} can be drawn as lanes`,
    );
    expect(() => planLanes(groupConfig(50), { hosts: ['server'], full: true })).toThrow(
      '--host and --full cannot be used together',
    );
  });

  it('cuts a run into at most MAX_INTERVALS intervals of 1, 2 or 5 × 10^k ms', () => {
    expect(intervalMs(60_090)).toBe(5000);
    expect(intervalMs(100)).toBe(5);
    expect(intervalMs(0)).toBe(1);
    for (const end of [1, 99, 1234, 70_000, 3_600_000])
      expect(end / intervalMs(end)).toBeLessThanOrEqual(MAX_INTERVALS);
  });
});

const FILE = `name: small-group
seed: 2
endpoints:
  - { id: server, address: 10.0.0.2, actions: [{ at: 0, do: listen, port: 80 }], reactions: [{ on: peer-closed, do: close }] }
groups:
  - name: clients
    count: 30
    id: client-{i}
    address: 10.1.0.{i+1}
    offset: 2
    actions: [{ at: 0, do: connect, to: server, port: 80 }]
    reactions: [{ on: connected, do: close, after: 20 }]
topology:
  links: [{ between: [clients, server], delay: 3 }]
expect:
  ok: true
`;

/** The ⋯ rows of a group lane: their segment counts. */
function foldedSegments(stdout: string): number[] {
  return [...stdout.matchAll(/⋯ \d+ hosts active, (\d+) segments/g)].map((m) => Number(m[1]));
}

describe('synack run with a group of 30 clients', () => {
  it('draws the server and one folded lane, the rows summing the whole run', async () => {
    const dir = tempDir();
    try {
      const result = await synack(['run', dir.write('g.yaml', FILE), '--threads', 'inline']);
      expect(result.code, result.stderr).toBe(0);
      const lines = result.stdout.split('\n');
      const header = lines.find((l) => l.trimStart().startsWith('time'))!;
      expect(header.split(/\s{2,}/).filter(Boolean)).toEqual(['time', 'server', 'clients ×30']);
      expect(result.stdout).toContain(
        'group view: 31 endpoints; folded into one lane each: clients (30 hosts)',
      );
      // 30 lifecycles, 6 segments each: every segment is counted once, in one interval's row.
      const rows = foldedSegments(result.stdout);
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.length).toBeLessThanOrEqual(MAX_INTERVALS);
      expect(rows.reduce((a, b) => a + b, 0)).toBe(180);
      expect(result.stdout).toMatch(/⋯ 30 hosts active, 0 segments; connections: CLOSED 30/);
      expect(result.stdout).toContain('clients ×30 (client-0 … client-29): final CLOSED 30; 180 segments');
      expect(result.stdout).toContain('final states: server: CLOSED ×30; clients ×30: CLOSED 30');
      // The server's handshakes with folded clients are not drawn row by row.
      expect(result.stdout).not.toContain('SYN_RECEIVED');
      expect(lines.length).toBeLessThan(30);
    } finally {
      dir.cleanup();
    }
  });

  it('--host draws a client as a lane with its whole exchange; the others stay folded', async () => {
    const dir = tempDir();
    try {
      const result = await synack([
        'run',
        dir.write('g.yaml', FILE),
        '--host',
        'client-3',
        '--host',
        'client-1?',
      ]);
      expect(result.code, result.stderr).toBe(0);
      const header = result.stdout.split('\n').find((l) => l.trimStart().startsWith('time'))!;
      expect(header.split(/\s{2,}/).filter(Boolean)).toEqual([
        'time',
        'server',
        'client-3',
        ...Array.from({ length: 10 }, (_, i) => `client-1${i}`),
        'clients ×19',
      ]);
      // client-3's 6 segments and both sides' states are drawn; the 19 folded clients' are summed.
      expect(result.stdout.match(/LISTEN → SYN_RECEIVED/g)).toHaveLength(11);
      expect(result.stdout).toMatch(/├─+ SYN,ACK seq=0 ack=1 ─+▶/);
      expect(foldedSegments(result.stdout).reduce((a, b) => a + b, 0)).toBe(19 * 6);
    } finally {
      dir.cleanup();
    }
  });

  it('--full draws all 31 lanes', async () => {
    const dir = tempDir();
    try {
      const result = await synack(['run', dir.write('g.yaml', FILE), '--full']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).not.toContain('group view');
      const header = result.stdout.split('\n').find((l) => l.trimStart().startsWith('time'))!;
      expect(header.split(/\s{2,}/).filter(Boolean)).toHaveLength(32);
    } finally {
      dir.cleanup();
    }
  });

  it('a --host that names no endpoint, or --host with jsonl, is one line and exit 2, before running', async () => {
    const dir = tempDir();
    try {
      const path = dir.write('g.yaml', FILE);
      const bad = await synack(['run', path, '--host', 'client-99']);
      expect(bad.code).toBe(2);
      expect(bad.stdout).toBe('');
      expect(bad.stderr).toBe(
        'synack: --host "client-99": no endpoint has this id (ids: server, client-0, client-1 … client-29)\n',
      );
      const jsonl = await synack(['run', path, '--host', 'client-1', '--format', 'jsonl']);
      expect(jsonl.code).toBe(2);
      expect(jsonl.stderr).toBe(
        'synack: --host chooses the lanes of the text ladder; it does not apply to --format jsonl\n',
      );
    } finally {
      dir.cleanup();
    }
  });
});
