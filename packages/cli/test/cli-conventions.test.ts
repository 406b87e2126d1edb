/**
 * Command-line conventions (issue 18): colour by NO_COLOR / FORCE_COLOR / TERM=dumb and
 * --no-color on every command, `run -` reading stdin, `list --json`, the JSONL meta line,
 * shell completion, examples and exit codes in every --help, and a --version that loads
 * nothing but package.json.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { colorByDefault } from '../src/color.js';
import { BIN, CLI_DIR, describeResult, SCENARIO_NAMES, synack, userEnv } from './helpers.js';

const ESC = /\x1b\[/;
const COMMANDS = ['list', 'run', 'why', 'sweep', 'inspect', 'completion'];

describe('colour', () => {
  it('colorByDefault: NO_COLOR beats FORCE_COLOR, FORCE_COLOR beats TERM=dumb and no TTY', () => {
    expect(colorByDefault({}, true)).toBe(true);
    expect(colorByDefault({}, false)).toBe(false);
    expect(colorByDefault({ NO_COLOR: '1' }, true)).toBe(false);
    expect(colorByDefault({ NO_COLOR: '' }, true)).toBe(true); // no-color.org: empty means unset
    expect(colorByDefault({ NO_COLOR: '1', FORCE_COLOR: '1' }, true)).toBe(false);
    expect(colorByDefault({ FORCE_COLOR: '1' }, false)).toBe(true);
    expect(colorByDefault({ FORCE_COLOR: '0' }, true)).toBe(false);
    expect(colorByDefault({ TERM: 'dumb' }, true)).toBe(false);
    expect(colorByDefault({ TERM: 'dumb', FORCE_COLOR: '1' }, false)).toBe(true);
  });

  it('FORCE_COLOR colours a piped run; NO_COLOR and --no-color (which wins) do not', async () => {
    const [forced, none, flag, dumb] = await Promise.all([
      synack(['run', 'handshake'], { env: { FORCE_COLOR: '1' } }),
      synack(['run', 'handshake'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } }),
      synack(['run', 'handshake', '--no-color'], { env: { FORCE_COLOR: '1' } }),
      synack(['why', 'time-wait', '--no-color'], { env: { FORCE_COLOR: '1' } }),
    ]);
    expect(forced.code, describeResult(forced)).toBe(0);
    expect(forced.stdout).toMatch(ESC);
    expect(none.stdout).not.toMatch(ESC);
    expect(flag.stdout).not.toMatch(ESC);
    expect(dumb.code, describeResult(dumb)).toBe(0);
    expect(dumb.stdout).not.toMatch(ESC);
  });

  it.each(COMMANDS)('%s accepts --no-color and its --help lists examples and exit codes', async (command) => {
    const r = await synack([command, '--help']);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toContain('--no-color');
    expect(r.stdout).toMatch(/Examples:\n {2}\$ synack /);
    expect(r.stdout).toMatch(
      /Exit codes:\n {2}0 +success\n {2}1 +something ran and failed[\s\S]*\n {2}2 +bad input[\s\S]*\n {2}130 +interrupted/,
    );
  });
});

describe('synack run -', () => {
  const run = (input: string) =>
    spawnSync(process.execPath, [BIN, 'run', '-', '--format', 'jsonl'], {
      input,
      env: userEnv(),
      encoding: 'utf8',
      timeout: 30_000,
    });

  it('reads a YAML (or JSON) scenario from stdin', () => {
    const yaml = [
      'name: piped',
      'endpoints:',
      '  - id: client',
      '    actions: [{ at: 0, do: connect, to: server, port: 80 }]',
      '  - id: server',
      '    actions: [{ at: 0, do: listen, port: 80 }]',
      '',
    ].join('\n');
    const r = run(yaml);
    expect(r.status, r.stderr).toBe(0);
    const kinds = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).kind);
    expect(kinds[0]).toBe('meta');
    expect(kinds).toContain('send');
    expect(kinds.at(-1)).toBe('summary');
  });

  it('empty or malformed stdin is a one-line error with exit 2', () => {
    for (const input of ['', 'endpoints: [oops']) {
      const r = run(input);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^synack: stdin: .+\n$/);
    }
  });
});

describe('synack list --json', () => {
  it('prints every built-in scenario with its description', async () => {
    const r = await synack(['list', '--json']);
    expect(r.code, describeResult(r)).toBe(0);
    const list = JSON.parse(r.stdout) as Array<{ name: string; description: string }>;
    expect(list.map((s) => s.name)).toEqual([...SCENARIO_NAMES]);
    for (const s of list) expect(s.description.length).toBeGreaterThan(10);
  });
});

describe('the JSONL meta line', () => {
  it('comes first and names schema, version, seed, profile and a configuration hash', async () => {
    const [a, b, c] = await Promise.all([
      synack(['run', 'handshake', '--format', 'jsonl', '--seed', '7', '--profile', 'rfc9293']),
      synack(['run', 'handshake', '--format', 'jsonl', '--seed', '7', '--profile', 'rfc9293']),
      synack([
        'run',
        'handshake',
        '--format',
        'jsonl',
        '--seed',
        '7',
        '--profile',
        'rfc9293',
        '--loss',
        '0.1',
      ]),
    ]);
    const meta = (r: typeof a) => JSON.parse(r.stdout.split('\n')[0]);
    const version = JSON.parse(readFileSync(join(CLI_DIR, 'package.json'), 'utf8')).version;
    expect(meta(a)).toEqual({
      t: 0,
      kind: 'meta',
      endpoint: '*',
      schemaVersion: 1,
      synackVersion: version,
      seed: 7,
      profile: 'rfc9293',
      configHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(meta(b).configHash).toBe(meta(a).configHash);
    expect(meta(c).configHash).not.toBe(meta(a).configHash);
  });
});

describe('synack completion', () => {
  it.each(['bash', 'zsh', 'fish'])('%s names every command and the scenarios', async (shell) => {
    const r = await synack(['completion', shell]);
    expect(r.code, describeResult(r)).toBe(0);
    for (const command of COMMANDS) expect(r.stdout).toContain(command);
    expect(r.stdout).toContain('lossy-transfer');
    expect(r.stdout).toContain('pcap-at');
  });

  it('the bash script is valid bash', async () => {
    const r = await synack(['completion', 'bash']);
    const check = spawnSync('bash', ['-n'], { input: r.stdout, encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
  });

  it('an unknown shell is a usage error (exit 2)', async () => {
    const r = await synack(['completion', 'powershell']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Allowed choices are bash, zsh, fish/);
  });
});

describe('synack --version', () => {
  it('prints the package version (from package.json alone: bin.ts loads the commands only after)', async () => {
    const version = JSON.parse(readFileSync(join(CLI_DIR, 'package.json'), 'utf8')).version;
    for (const flag of ['--version', '-V']) {
      const r = await synack([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
    }
  });
});
