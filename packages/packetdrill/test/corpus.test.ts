/**
 * Every script in conformance/ parses, round-trips through the printer, is supported, and carries
 * the header the suite promises; conformance/README.md lists exactly the scripts there are. When the
 * packetdrill sources are present (../shared/packetdrill/src, or $PACKETDRILL_SRC), every .pkt under
 * them must parse too — read at test time, never copied into this repository (they are GPL).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScript } from '../src/parser.js';
import { formatScript } from '../src/printer.js';
import { checkSupported } from '../src/support.js';
import { parseOk, withoutPositions } from './helpers.js';

const repo = resolve(import.meta.dirname, '../../..');
const conformance = join(repo, 'conformance');
const scripts = readdirSync(conformance)
  .filter((f) => f.endsWith('.pkt'))
  .sort();
const upstreamRoot = process.env.PACKETDRILL_SRC ?? resolve(repo, '../shared/packetdrill/src');

function pktFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return pktFiles(path);
    return entry.endsWith('.pkt') ? [path] : [];
  });
}

describe('conformance/', () => {
  it('holds at least 60 scripts', () => {
    expect(scripts.length).toBeGreaterThanOrEqual(60);
  });

  it.each(scripts)('%s parses, round-trips and is supported', (file) => {
    const text = readFileSync(join(conformance, file), 'utf8');
    const script = parseOk(text);
    expect(withoutPositions(parseOk(formatScript(script)))).toEqual(withoutPositions(script));
    const report = checkSupported(script);
    expect(report.unsupported).toEqual([]);
    expect(report.ignored).toEqual([]);
  });

  it.each(scripts)('%s has the MIT header, what it checks and the kernel result', (file) => {
    const header = readFileSync(join(conformance, file), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('//'));
    expect(header[0]).toBe('// SPDX-License-Identifier: MIT');
    expect(header.join('\n')).toMatch(/RFC \d+|Linux: /);
    expect(header).toContain('// Passes on Linux 6.18 (kernel-check).');
  });

  it('README.md has one row per script, and no row for a missing one', () => {
    const readme = readFileSync(join(conformance, 'README.md'), 'utf8');
    const listed = [...readme.matchAll(/^\| \[`([^`]+\.pkt)`\]/gm)].map((m) => m[1]).sort();
    expect(listed).toEqual(scripts);
  });
});

describe.skipIf(!existsSync(upstreamRoot))('packetdrill’s own scripts', () => {
  it('all parse', () => {
    const files = pktFiles(upstreamRoot);
    const failures = files
      .map((path) => ({
        path: relative(upstreamRoot, path),
        result: parseScript(readFileSync(path, 'utf8')),
      }))
      .filter((f) => !f.result.ok);
    console.log(
      `packetdrill scripts parsed: ${files.length - failures.length} of ${files.length} under ${upstreamRoot}`,
    );
    expect(files.length).toBeGreaterThan(0);
    expect(failures).toEqual([]);
  });
});
