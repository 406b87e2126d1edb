/**
 * "Every byte arrives in order, exactly once" can fail: it needs bytes to have been sent (what the
 * connections accepted and did not discard) and every one of them delivered. A client that closes
 * in SYN_SENT with queued data sends nothing ("error: closing", RFC 9293 §3.10.4): the check fails
 * instead of passing vacuously.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { describeResult, synack, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function scenario(name: string, closeAt: number, dropFirstSyn: boolean): string {
  return `name: ${name}
endpoints:
  - id: client
    actions:
      - { at: 0, do: connect, to: server, port: 80 }
      - { at: 100, do: send, bytes: 700 }
      - { at: ${closeAt}, do: close }
  - id: server
    actions:
      - { at: 0, do: listen, port: 80 }
    reactions:
      - { on: peer-closed, do: close, after: 50 }
network:
  default: { delay: 10 }
${dropFirstSyn ? '  faults: [{ match: { from: client, flags: [SYN], nth: 1 }, action: { drop: true } }]\n' : ''}expect:
  integrity: true
`;
}

describe('the integrity expectation', () => {
  it('passes when every byte sent arrives', async () => {
    const r = await synack(['run', tmp.write('ok.yaml', scenario('ok', 400, false))]);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toMatch(/✓ every byte arrives in order, exactly once/);
  });

  it('fails when the data never left (CLOSE in SYN_SENT discarded it): 0 of 0 bytes is no proof', async () => {
    const r = await synack(['run', tmp.write('discarded.yaml', scenario('discarded', 200, true))]);
    expect(r.code, describeResult(r)).toBe(1);
    expect(r.stdout).toMatch(/✗ every byte arrives in order, exactly once.*0 of 0 bytes arrived/);
    expect(r.stdout).toMatch(/connection closing/);
  });
});
