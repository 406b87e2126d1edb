/**
 * A pcap is streamed during the run (issue 19): a run killed with SIGKILL leaves a valid capture
 * of everything up to the kill — the global header and whole records only — and those bytes are
 * exactly the beginning of the complete capture of the same run (deterministic runs).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, describeResult, REPO, synack, tempDir, userEnv } from './helpers.js';

const tmp = tempDir('synack-pcap-kill-');
afterAll(() => tmp.cleanup());

/** Records in a pcap file; throws unless the bytes end exactly on a record boundary (pcap-savefile(5)). */
function countRecords(bytes: Buffer): number {
  if (bytes.length < 24 || bytes.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error('no pcap global header');
  let offset = 24;
  let records = 0;
  while (offset < bytes.length) {
    if (offset + 16 > bytes.length) throw new Error(`truncated record header at byte ${offset}`);
    offset += 16 + bytes.readUInt32LE(offset + 8);
    if (offset > bytes.length) throw new Error('truncated record');
    records++;
  }
  return records;
}

/** Resolves once `path` holds at least `bytes` bytes (polling; not a timing assertion). */
async function waitForSize(path: string, bytes: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (existsSync(path) && statSync(path).size >= bytes) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${path} never reached ${bytes} bytes`);
}

describe('--pcap after SIGKILL', () => {
  it('leaves a readable prefix of the complete capture', async () => {
    const full = join(tmp.dir, 'full.pcap');
    const complete = await synack(['run', 'lifecycle', '--pcap', full]);
    expect(complete.code, describeResult(complete)).toBe(0);
    const fullBytes = readFileSync(full);
    const total = countRecords(fullBytes);

    const killed = join(tmp.dir, 'killed.pcap');
    // Slowed down 50× so the kill lands mid-run: the handshake is on disk, the close is not yet.
    const child = spawn(process.execPath, [BIN, 'run', 'lifecycle', '--realtime', '0.02', '--pcap', killed], {
      cwd: REPO,
      env: userEnv(),
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('close', (_code, signal) => resolve(signal)),
    );
    await waitForSize(killed, 24 + 3 * 56);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const bytes = readFileSync(killed);
    const records = countRecords(bytes);
    expect(records).toBeGreaterThanOrEqual(3);
    expect(records).toBeLessThan(total);
    expect(bytes.equals(fullBytes.subarray(0, bytes.length))).toBe(true);
  });
});
