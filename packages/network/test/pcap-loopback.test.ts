/**
 * The loopback link (issue 14 item 7): `network.loopback: true` mirrors Linux's `lo`, where both
 * ends announce MSS 65,495 and there is no propagation delay.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type NetworkConfig,
  type SimulationConfig,
  simulation,
  type TraceEvent,
  validateSimulationConfig,
} from '../src/index.js';
import { applyLoopback, LOOPBACK_MSS } from '../src/loopback.js';
import { PcapCapture } from '../src/pcap.js';
import { runSimulation } from '../src/simulation.js';
import { tsharkFields } from './tshark.js';

type PacketEvent = Extract<TraceEvent, { id: number }>;

/** The client sends `bytes` at once and closes at 100 ms; the server closes after the FIN. */
function transfer(network: NetworkConfig, bytes = 200_000): SimulationConfig {
  const config = simulation({ seed: 1 })
    .endpoint('client', (c) => c.connect('server', 80).at(0).send(bytes).at(100).close())
    .endpoint('server', (s) => s.listen(80).on('peer-closed', 'close', { after: 10 }))
    .build();
  return { ...config, network };
}

const sends = (trace: readonly TraceEvent[]) => trace.filter((e): e is PacketEvent => e.kind === 'send');

describe('network.loopback', () => {
  it('is a boolean of the one schema', () => {
    expect(() => validateSimulationConfig(transfer({ loopback: true }))).not.toThrow();
    expect(() => validateSimulationConfig(transfer({ loopback: 'yes' } as unknown as NetworkConfig))).toThrow(
      /network\.loopback/,
    );
  });

  it('is 65,495: the largest IPv4 datagram (65,535) less 40 header bytes', () => {
    expect(LOOPBACK_MSS).toBe(65_535 - 20 - 20);
  });

  it('gives every endpoint MSS 65,495 and an unset delay 0 ms; explicit settings win', () => {
    const config = transfer({
      loopback: true,
      links: { 'server->client': { delay: 3 }, 'client->server': {} },
    });
    config.endpoints[1].profileOverrides = { mss: 9000 };
    const applied = applyLoopback(config);
    expect(applied.endpoints.map((e) => e.profileOverrides?.mss)).toEqual([LOOPBACK_MSS, 9000]);
    expect(applied.network?.default?.delay).toBe(0);
    expect(applied.network?.links).toEqual({
      'server->client': { delay: 3 },
      'client->server': { delay: 0 },
    });
    const plain = transfer({ default: { delay: 10 } });
    expect(applyLoopback(plain)).toBe(plain);
  });

  it('announces mss=65495 in the SYN and the SYN-ACK, with no delay', async () => {
    const result = await runSimulation(transfer({ loopback: true }), { threads: 'inline' });
    expect(result.ok).toBe(true);
    const [syn, synAck] = sends(result.trace).filter((e) => e.seg.flags.includes('SYN'));
    expect([syn.from, syn.seg.flags, syn.seg.mss, syn.delay]).toEqual(['client', ['SYN'], 65_495, 0]);
    expect([synAck.from, synAck.seg.flags, synAck.seg.mss, synAck.delay]).toEqual([
      'server',
      ['SYN', 'ACK'],
      65_495,
      0,
    ]);
  });

  it('carries 200 KB in segments of up to half the largest window the receiver offered, filling the window', async () => {
    const pcap = new PcapCapture('sender');
    const result = await runSimulation(transfer({ loopback: true }), { threads: 'inline', ...pcap.hooks });
    expect(result.ok).toBe(true);
    const lengths = sends(result.trace)
      .filter((e) => e.from === 'client' && e.seg.len > 0)
      .map((e) => e.seg.len);
    expect(lengths.reduce((a, b) => a + b, 0)).toBe(200_000);
    // linux: timestamps take 12 bytes of every segment (Linux tcp_current_mss), and Linux cuts
    // segments to half the largest window the peer has offered (tcp_sync_mss →
    // tcp_bound_to_half_wnd; core tcb/push.ts): the SYN-ACK offers 65,483 (65,535 rounded down to
    // that MSS), then the grown 64 KiB buffer is advertised with window scale 10 as 64 << 10.
    const halfWindow = Math.floor(65_536 / 2);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(Math.min(LOOPBACK_MSS - 12, halfWindow));
    expect(lengths.slice(0, 2)).toEqual([Math.floor(65_483 / 2), Math.floor(65_483 / 2)]);
    expect(Math.max(...lengths)).toBe(halfWindow);
    expect(lengths.filter((n) => n > 1460).length).toBeGreaterThanOrEqual(3);

    const dir = mkdtempSync(join(tmpdir(), 'synack-loopback-'));
    try {
      const [file] = pcap.writeFiles(join(dir, 'loopback.pcap'));
      const rows = tsharkFields(file, ['tcp.options.mss_val', 'ip.len', 'tcp.len', '_ws.malformed']);
      expect(rows.slice(0, 2).map(([mss]) => mss)).toEqual(['65495', '65495']);
      const largest = rows.find(([, , len]) => len === '32768');
      expect(largest?.[1]).toBe(String(32_768 + 52)); // 20-byte IPv4 and 32-byte TCP header (timestamps)
      expect(rows.filter((row) => row[3] !== '')).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('changes nothing when absent or false', async () => {
    const plain = await runSimulation(transfer({}, 5000), { threads: 'inline' });
    const off = await runSimulation(transfer({ loopback: false }, 5000), { threads: 'inline' });
    expect(off.trace).toEqual(plain.trace);
    const syn = sends(plain.trace)[0];
    expect([syn.seg.mss, syn.delay]).toEqual([1460, 10]);
  });
});
