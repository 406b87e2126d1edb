/**
 * Streamed captures (issue 19): PcapCapture.streaming writes each packet as it is captured, so
 * the file is the same bytes as an in-memory capture of the same run, every prefix on disk ends
 * on a record boundary (read back by the small reader below), and a failed write is reported by
 * close() instead of thrown into the simulation.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PcapCapture, PcapFileError, type SimulationConfig, simulation } from '../src/index.js';
import { runSimulation } from '../src/simulation.js';

const dir = mkdtempSync(join(tmpdir(), 'synack-pcap-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function transfer(): SimulationConfig {
  return simulation({ seed: 3 })
    .endpoint('client', (c) => c.connect('server', 80).at(0).send(20_000).at(100).close())
    .endpoint('server', (s) => s.listen(80).on('peer-closed', 'close', { after: 10 }))
    .network({ delay: 10, loss: 0.05, duplicate: 0.05 })
    .build();
}

/**
 * pcap-savefile(5): a 24-byte global header (magic d4 c3 b2 a1), then records of a 16-byte
 * header whose incl_len says how many bytes follow. Returns the record count; throws when the
 * bytes do not end exactly on a record boundary.
 */
function countPcapRecords(bytes: Buffer): number {
  if (bytes.length < 24 || bytes.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error('no pcap global header');
  let offset = 24;
  let records = 0;
  while (offset < bytes.length) {
    if (offset + 16 > bytes.length) throw new Error(`truncated record header at byte ${offset}`);
    const length = bytes.readUInt32LE(offset + 8);
    if (offset + 16 + length > bytes.length) throw new Error(`truncated record at byte ${offset}`);
    offset += 16 + length;
    records++;
  }
  return records;
}

describe('PcapCapture.streaming', () => {
  it('writes the same bytes as an in-memory capture, for each capture point', async () => {
    const memory = new PcapCapture('both');
    await runSimulation(transfer(), { threads: 'inline', ...memory.hooks });
    const streamed = PcapCapture.streaming(join(dir, 'run.pcap'), 'both');
    await runSimulation(transfer(), { threads: 'inline', ...streamed.hooks });
    const paths = streamed.close();
    expect(paths).toEqual([join(dir, 'run.sender.pcap'), join(dir, 'run.receiver.pcap')]);
    for (const [point, path] of [
      ['sender', paths[0]],
      ['receiver', paths[1]],
    ] as const) {
      const expected = memory.writer(point)!.toBuffer();
      expect(readFileSync(path).equals(expected), point).toBe(true);
      expect(countPcapRecords(readFileSync(path))).toBe(memory.writer(point)!.count);
    }
  });

  it('has a valid file on disk at every packet: header, then whole records only', async () => {
    const path = join(dir, 'prefix.pcap');
    const capture = PcapCapture.streaming(path);
    const seen: number[] = [];
    const { onPacket } = capture.hooks;
    await runSimulation(transfer(), {
      threads: 'inline',
      onPacket: (t, packet) => {
        // What a reader (or a kill) would find on disk just before this packet is written.
        seen.push(countPcapRecords(readFileSync(path)));
        onPacket(t, packet);
      },
    });
    capture.close();
    expect(seen.length).toBeGreaterThan(20);
    expect(seen).toEqual(seen.map((_, i) => i));
  });

  it('a full disk: the run finishes, close() names the file and the error', async () => {
    const capture = PcapCapture.streaming('/dev/full');
    const result = await runSimulation(transfer(), { threads: 'inline', ...capture.hooks });
    expect(result.ok).toBe(true);
    expect(() => capture.close()).toThrow(PcapFileError);
    expect(() => capture.close()).toThrow('cannot write /dev/full (ENOSPC)');
  });

  it('an unwritable path fails when the capture opens, before any run', () => {
    expect(() => PcapCapture.streaming(join(dir, 'missing', 'x.pcap'))).toThrow(/cannot write .* \(ENOENT\)/);
  });

  it('a streaming writer keeps no records in memory', async () => {
    const capture = PcapCapture.streaming(join(dir, 'nomem.pcap'));
    await runSimulation(transfer(), { threads: 'inline', ...capture.hooks });
    expect(() => capture.writer('sender')!.toBuffer()).toThrow(/keeps no records/);
    capture.close();
  });
});
