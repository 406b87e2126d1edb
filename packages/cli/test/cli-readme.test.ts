/**
 * The README shows real output: its example ladder, its Mermaid diagram and its
 * complete scenario file are checked against the binary here, so the
 * documentation cannot drift from what `synack` does.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_DIR, describeResult, SCENARIO_NAMES, synack, tempDir } from './helpers.js';

const README = readFileSync(join(CLI_DIR, 'README.md'), 'utf8');

/** Fenced code blocks of the README with their info string. */
function blocks(lang: string): string[] {
  const out: string[] = [];
  const re = /^```(\w*)\n([\s\S]*?)^```$/gm;
  for (let m = re.exec(README); m; m = re.exec(README)) if (m[1] === lang) out.push(m[2]);
  return out;
}

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const noWall = (s: string) => s.replace(/\(\d+\.\d\d s wall\)/, '(… s wall)');

describe.concurrent('packages/cli/README.md', () => {
  it('the example ladder is exactly what `synack run lifecycle --no-color` prints (wall time aside)', async () => {
    const ladder = blocks('text').find((b) => b.startsWith('synack run lifecycle '));
    expect(ladder, 'README has the lifecycle ladder').toBeDefined();
    const r = await synack(['run', 'lifecycle', '--no-color']);
    expect(r.code, describeResult(r)).toBe(0);
    expect(noWall(ladder!)).toBe(noWall(r.stdout));
  });

  it('the Mermaid example is exactly what `synack run lost-syn --format mermaid` prints', async () => {
    const diagram = blocks('text').find((b) => b.startsWith('sequenceDiagram\n'));
    expect(diagram).toBeDefined();
    const r = await synack(['run', 'lost-syn', '--format', 'mermaid']);
    expect(r.code, describeResult(r)).toBe(0);
    expect(diagram).toBe(r.stdout);
  });

  it('the complete YAML scenario runs with every expectation ✓ (exit 0)', async () => {
    const example = blocks('yaml').find((b) => /^expect:/m.test(b) && /^name: /m.test(b));
    expect(example, 'README has a complete YAML scenario').toBeDefined();
    const path = tmp.write('readme-example.yaml', example!);
    const r = await synack(['run', path, '--no-color']);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toContain('✗');
    // The README says how many ✓ lines it ends with.
    const claimed = /ends with (\d+) ✓ lines/.exec(README);
    expect(claimed).not.toBeNull();
    expect(r.stdout.match(/^ {2}✓ /gm)).toHaveLength(Number(claimed![1]));
  });

  it('the network snippet is a valid network section', async () => {
    const snippet = blocks('yaml').find((b) => b.startsWith('network:\n'));
    expect(snippet).toBeDefined();
    const path = tmp.write(
      'readme-network.yaml',
      `name: snippet\nendpoints:\n  - id: client\n    actions: [{ at: 0, do: connect, to: server, port: 80 }, { at: 100, do: close }]\n  - id: server\n    actions: [{ at: 0, do: listen, port: 80 }]\n    reactions: [{ on: peer-closed, do: close }]\n${snippet}`,
    );
    const r = await synack(['run', path, '--no-color']);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toMatch(/LOST \(targeted: drop the last ACK\)/);
  });

  it('lists every built-in scenario and every run flag', async () => {
    for (const name of SCENARIO_NAMES) expect(README).toContain(`| \`${name}\``);
    const help = await synack(['run', '--help']);
    const flags = [...help.stdout.matchAll(/^ {2}(--[a-z-]+)/gm)]
      .map((m) => m[1])
      .filter((f) => f !== '--help');
    expect(flags.length).toBeGreaterThanOrEqual(12);
    for (const flag of flags) expect(README, flag).toContain(`| \`${flag}`);
  });
});
