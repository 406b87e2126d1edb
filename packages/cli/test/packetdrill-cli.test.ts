/**
 * `synack packetdrill` through the real binary: PASS/FAIL lines on stdout, packetdrill-style
 * errors on stderr, exit 0 / 1 / 2 (the worst script wins), bad input in one line.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { synack } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'synack-packetdrill-cli-'));
const OPEN = `    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
   +0 bind(3, ..., ...) = 0
   +0 listen(3, 1) = 0
   +0 < S 0:0(0) win 65535 <mss 1460>
   +0 > S. 0:0(0) ack 1 <...>
`;
const pass = join(dir, 'pass.pkt');
const fail = join(dir, 'fail.pkt');
const bad = join(dir, 'bad.pkt');
const defined = join(dir, 'defined.pkt');
writeFileSync(pass, OPEN);
writeFileSync(fail, OPEN.replace('ack 1 <...>', 'ack 7 <...>'));
writeFileSync(bad, `${OPEN}   +0 < udp (10)\n`);
writeFileSync(defined, OPEN.replace('ack 1 <...>', 'ack ACKNO <...>'));

describe('synack packetdrill', () => {
  it('a passing script: PASS, exit 0', async () => {
    const r = await synack(['packetdrill', pass]);
    expect(r.stdout).toBe(`PASS ${pass}\n`);
    expect(r.code).toBe(0);
  });

  it('a mismatch: FAIL, the line with expected and actual packets on stderr, exit 1', async () => {
    const r = await synack(['packetdrill', fail]);
    expect(r.stdout).toBe(`FAIL ${fail}\n`);
    expect(r.stderr).toContain(
      `${fail}:5: error handling packet: live packet field tcp_ack_seq: expected: 7 vs actual: 1`,
    );
    expect(r.stderr).toMatch(/script packet: +0\.000000 S\. 0:0\(0\) ack 7/);
    expect(r.code).toBe(1);
  });

  it('several scripts: one line each, a count, and the worst exit code (2 for unsupported)', async () => {
    const r = await synack(['packetdrill', pass, fail, bad]);
    expect(r.stdout).toBe(`PASS ${pass}\nFAIL ${fail}\nERROR ${bad}\n1/3 scripts passed (profile linux)\n`);
    expect(r.stderr).toContain(`${bad}:6: unsupported: udp packets are not simulated`);
    expect(r.code).toBe(2);
  });

  it('-D defines a script variable', async () => {
    expect((await synack(['packetdrill', defined])).code).toBe(2);
    expect((await synack(['packetdrill', '-D', 'ACKNO=1', defined])).code).toBe(0);
  });

  it('a missing file, a bad -D and an unknown profile are one-line errors with exit 2', async () => {
    const missing = await synack(['packetdrill', join(dir, 'nope.pkt')]);
    expect(missing.stderr).toMatch(/nope\.pkt: cannot read \(ENOENT\)\n$/);
    expect(missing.code).toBe(2);
    const define = await synack(['packetdrill', '-D', 'oops', pass]);
    expect(define.stderr).toBe('synack: -D oops: expected NAME=VALUE\n');
    expect(define.code).toBe(2);
    expect((await synack(['packetdrill', '--profile', 'bsd', pass])).code).toBe(2);
  });

  it('--profile rfc9293 runs the same script on the other profile', async () => {
    expect((await synack(['packetdrill', '--profile', 'rfc9293', pass])).code).toBe(0);
  });
});
