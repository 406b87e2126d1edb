/**
 * Scenario files with endpoint groups and a topology (issue 24): the 10,000-host example is a
 * valid scenario, and a small group file runs with `synack run`, the same trace on any placement.
 */
import { join } from 'node:path';
import { expandGroups, validateSimulationConfig } from '@synack/network';
import { describe, expect, it } from 'vitest';
import { buildConfig } from '../src/run.js';
import { loadScenarioFile } from '../src/schema.js';
import { REPO, synack, tempDir } from './helpers.js';

describe('examples/thousands-of-hosts.yaml', () => {
  it('is a valid scenario of 10,000 endpoints, the clients over a 5 ms link', () => {
    const scenario = loadScenarioFile(join(REPO, 'examples/thousands-of-hosts.yaml'));
    const config = buildConfig(scenario, {});
    validateSimulationConfig(config);
    const expanded = expandGroups(config);
    expect(expanded.endpoints).toHaveLength(10_000);
    expect(expanded.endpoints.at(-1)).toMatchObject({ id: 'client-9998', address: '10.1.39.14' });
    expect(expanded.network?.links?.['client-9998->server']).toEqual({ delay: 5 });
  });
});

describe('a group scenario file with synack run', () => {
  const file = `name: small-group
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

  it('runs, every client closes, and --threads 1 / per-endpoint / inline print the same trace', async () => {
    const dir = tempDir();
    try {
      const path = dir.write('group.yaml', file);
      const outputs: string[] = [];
      for (const threads of ['1', 'per-endpoint', 'inline']) {
        const result = await synack(['run', path, '--format', 'jsonl', '--threads', threads]);
        expect(result.code, result.stderr).toBe(0);
        outputs.push(result.stdout);
      }
      const summary = JSON.parse(outputs[0].trim().split('\n').at(-1)!);
      expect(Object.keys(summary.final)).toHaveLength(31);
      expect(summary.final['client-29']).toEqual(['CLOSED']);
      expect(outputs[1]).toBe(outputs[0]);
      expect(outputs[2]).toBe(outputs[0]);
    } finally {
      dir.cleanup();
    }
  });

  it('a bad template is one line naming the group field, exit 2', async () => {
    const dir = tempDir();
    try {
      const path = dir.write('bad.yaml', file.replace('client-{i}', 'client-{n}'));
      const result = await synack(['run', path]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('groups[0].id: "{n}" is not a template hole');
    } finally {
      dir.cleanup();
    }
  });
});
