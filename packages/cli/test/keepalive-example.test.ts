/**
 * examples/half-open-keepalive.yaml (issue 25 item 3): the textbook half-open connection, detected
 * by keepalive. The client crashes and stays down; the server's probe (an empty ACK at SND.NXT − 1,
 * RFC 1122 §4.2.3.6) draws a RST from the rebooted host, and the narration says what a probe is,
 * in English and in Chinese.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_DIR, describeResult, synack } from './helpers.js';

const EXAMPLE = join(CLI_DIR, '../../examples/half-open-keepalive.yaml');

describe('half-open detected by keepalive', () => {
  it('the probe after 10 s of silence meets a RST; the server learns the peer is gone', async () => {
    const r = await synack(['run', EXAMPLE, '--explain']);
    expect(r.code, describeResult(r)).toBe(0);
    const probe = r.stdout
      .split('\n')
      .findIndex((line) => line.includes('10.110 s') && line.includes('ACK seq=0'));
    expect(probe, r.stdout).toBeGreaterThan(0);
    expect(r.stdout).toContain('sends a keepalive probe');
    expect(r.stdout).toContain('app: closed (reset)');
    expect(r.stdout).toMatch(/final states: client: CLOSED; server: CLOSED/);
  });

  it('zh: the probe is narrated as 保活探测', async () => {
    const r = await synack(['run', EXAMPLE, '--explain', '--lang', 'zh']);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toContain('保活探测');
  });
});
