/**
 * Issue 13 "done when": `synack run handshake --pcap x.pcap` decodes in tshark with MSS,
 * SACK-permitted, timestamps and window scale on both SYNs (Linux's order), the SYN windows
 * 64240 / 65160 and the third segment's scaled window; and the JSONL `seg` lines carry the same
 * options in their additive `opts` field. Fails (never skips) when tshark is missing.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeResult, synack, tempDir } from './helpers.js';

const tmp = tempDir('synack-pcap-options-');
afterAll(() => tmp.cleanup());

function tsharkFields(file: string, fields: readonly string[]): string[][] {
  const r = spawnSync('tshark', ['-r', file, '-n', '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], {
    encoding: 'utf8',
  });
  if (r.error) throw new Error(`tshark is required (apt-get install -y tshark): ${r.error.message}`);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout
    .replace(/\n$/, '') // not trimEnd: the last row's empty fields are tabs
    .split('\n')
    .map((line) => line.split('\t'));
}

const FIELDS = [
  'tcp.flags.str',
  'tcp.window_size_value',
  'tcp.options.mss_val',
  'tcp.options.sack_perm',
  'tcp.options.timestamp.tsval',
  'tcp.options.timestamp.tsecr',
  'tcp.options.wscale.shift',
];

describe('handshake --pcap: the linux profile’s options on the wire', () => {
  it('tshark decodes MSS, SACK-permitted, timestamps and window scale on SYN and SYN-ACK', async () => {
    const file = join(tmp.dir, 'handshake.pcap');
    const r = await synack(['run', 'handshake', '--format', 'jsonl', '--pcap', file]);
    expect(r.code, describeResult(r)).toBe(0);
    const [syn, synAck, ack] = tsharkFields(file, FIELDS);
    expect(syn[0]).toContain('S');
    expect(syn.slice(1, 4)).toEqual(['64240', '1460', '0402']);
    expect(syn[5]).toBe('0'); // TSecr of a SYN
    expect(syn[6]).toBe('10');
    expect(synAck.slice(1, 4)).toEqual(['65160', '1460', '0402']);
    expect(synAck[5]).toBe(syn[4]); // the SYN-ACK echoes the SYN's TSval (RFC 7323 §3.2)
    expect(synAck[6]).toBe('10');
    // The third segment: window field 63 (64240 rounded up to 1024, shifted), timestamps only.
    expect(ack.slice(1, 4)).toEqual(['63', '', '']);
    expect(ack[5]).toBe(synAck[4]);
    expect(ack[6]).toBe('');

    const sends = r.stdout
      .split('\n')
      .filter((l) => l.includes('"kind":"send"'))
      .map((l) => JSON.parse(l) as { seg: { opts?: Record<string, unknown> } });
    expect(sends[0].seg.opts).toEqual({ mss: 1460, sackOk: true, ts: [Number(syn[4]), 0], wscale: 10 });
    expect(sends[2].seg.opts).toEqual({ ts: [Number(ack[4]), Number(ack[5])] });
  });

  it('the rfc9293 profile keeps MSS only', async () => {
    const file = join(tmp.dir, 'handshake-rfc.pcap');
    const r = await synack(['run', 'handshake', '--profile', 'rfc9293', '--pcap', file]);
    expect(r.code, describeResult(r)).toBe(0);
    const [syn] = tsharkFields(file, FIELDS);
    expect(syn.slice(1)).toEqual(['65535', '1460', '', '', '', '']);
  });
});
