/**
 * `synack run --pcap FILE --pcap-at sender|receiver|both` through the real binary, and a scenario
 * file on a loopback link (`network.loopback: true`).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeResult, synack, tempDir } from './helpers.js';

const tmp = tempDir('synack-pcap-at-');
afterAll(() => tmp.cleanup());

interface Frame {
  /** Capture time in virtual ms (microsecond resolution). */
  t: number;
  seq: number;
}

/** The records of a classic little-endian microsecond pcap of raw IPv4 (what synack writes). */
/** A virtual time in ms at the pcap's microsecond resolution (timers may fire between microseconds). */
const toMicros = (ms: number) => Math.round(ms * 1000) / 1000;

function frames(file: string): Frame[] {
  const bytes = readFileSync(file);
  expect(bytes.readUInt32LE(0)).toBe(0xa1b2c3d4);
  const out: Frame[] = [];
  for (let off = 24; off < bytes.length; ) {
    const length = bytes.readUInt32LE(off + 8);
    const ip = bytes.subarray(off + 16, off + 16 + length);
    const tcp = ip.subarray((ip[0] & 0x0f) * 4);
    out.push({
      t: toMicros(bytes.readUInt32LE(off) * 1000 + bytes.readUInt32LE(off + 4) / 1000),
      seq: tcp.readUInt32BE(4),
    });
    off += 16 + length;
  }
  return out;
}

interface SegmentLine {
  t: number;
  kind: string;
  seg: { seq: number; flags: string[]; len: number; mss?: number };
}

const jsonl = (stdout: string) =>
  stdout
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as SegmentLine);

describe('--pcap-at', () => {
  const lossy = ['run', 'lossy-transfer', '--seed', '3', '--duplicate', '0.05', '--format', 'jsonl'];

  it('defaults to sender: the same file as --pcap-at sender, one frame per send', async () => {
    const plain = join(tmp.dir, 'default.pcap');
    const sender = join(tmp.dir, 'sender.pcap');
    const [a, b] = await Promise.all([
      synack([...lossy, '--pcap', plain]),
      synack([...lossy, '--pcap', sender, '--pcap-at', 'sender']),
    ]);
    expect(a.code, describeResult(a)).toBe(0);
    expect(b.code, describeResult(b)).toBe(0);
    expect(readFileSync(plain).equals(readFileSync(sender))).toBe(true);
    const sends = jsonl(a.stdout).filter((e) => e.kind === 'send');
    expect(frames(plain).map((f) => [f.t, f.seq])).toEqual(sends.map((e) => [toMicros(e.t), e.seg.seq]));
  });

  it('receiver: one frame per delivery, at its delivery time, duplicates included', async () => {
    const file = join(tmp.dir, 'receiver.pcap');
    const r = await synack([...lossy, '--pcap', file, '--pcap-at', 'receiver']);
    expect(r.code, describeResult(r)).toBe(0);
    const trace = jsonl(r.stdout);
    const deliveries = trace.filter((e) => e.kind === 'deliver');
    expect(trace.some((e) => e.kind === 'drop')).toBe(true);
    expect(trace.some((e) => e.kind === 'duplicate')).toBe(true);
    expect(frames(file).map((f) => [f.t, f.seq])).toEqual(deliveries.map((e) => [toMicros(e.t), e.seg.seq]));
  });

  it('both: FILE.sender.pcap and FILE.receiver.pcap, each as its point alone writes it', async () => {
    const base = join(tmp.dir, 'both.pcap');
    const sender = join(tmp.dir, 'alone-sender.pcap');
    const receiver = join(tmp.dir, 'alone-receiver.pcap');
    const results = await Promise.all([
      synack([...lossy, '--pcap', base, '--pcap-at', 'both']),
      synack([...lossy, '--pcap', sender]),
      synack([...lossy, '--pcap', receiver, '--pcap-at', 'receiver']),
    ]);
    for (const r of results) expect(r.code, describeResult(r)).toBe(0);
    expect(existsSync(base)).toBe(false);
    expect(readFileSync(join(tmp.dir, 'both.sender.pcap')).equals(readFileSync(sender))).toBe(true);
    expect(readFileSync(join(tmp.dir, 'both.receiver.pcap')).equals(readFileSync(receiver))).toBe(true);
  });

  it('rejects an unknown capture point, and --pcap-at without --pcap, with exit 2', async () => {
    const [bad, alone] = await Promise.all([
      synack(['run', 'handshake', '--pcap', join(tmp.dir, 'x.pcap'), '--pcap-at', 'middle']),
      synack(['run', 'handshake', '--pcap-at', 'receiver']),
    ]);
    expect(bad.code, describeResult(bad)).toBe(2);
    expect(bad.stderr).toMatch(/--pcap-at.*middle/);
    expect(alone.code, describeResult(alone)).toBe(2);
    expect(alone.stderr).toBe('synack: --pcap-at needs --pcap <file>\n');
  });
});

describe('a scenario file with network.loopback', () => {
  it('announces MSS 65495 both ways with no delay, and says so in the header', async () => {
    const file = join(tmp.dir, 'loopback.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'loopback',
        network: { loopback: true },
        endpoints: [
          { id: 'client', actions: [{ at: 0, do: 'connect', to: 'server', port: 80 }] },
          { id: 'server', actions: [{ at: 0, do: 'listen', port: 80 }] },
        ],
      }),
    );
    const [text, lines] = await Promise.all([
      synack(['run', file]),
      synack(['run', file, '--format', 'jsonl']),
    ]);
    expect(text.code, describeResult(text)).toBe(0);
    expect(text.stdout).toContain('delay 0 ms, loopback (MSS 65495)');
    const syns = jsonl(lines.stdout).filter((e) => e.kind === 'send' && e.seg.flags.includes('SYN'));
    expect(syns.map((e) => [e.t, e.seg.flags.join(','), e.seg.mss])).toEqual([
      [0, 'SYN', 65495],
      [0, 'SYN,ACK', 65495],
    ]);
  });
});
