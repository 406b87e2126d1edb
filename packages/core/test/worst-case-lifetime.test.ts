import { describe, expect, it } from 'vitest';
import { getProfile, worstCaseLifetime } from '../src/profiles.js';

// The bound the default virtual-time limit of a run is checked against (network defaultMaxTime).
describe('worstCaseLifetime: the longest a connection can live before its timers give up', () => {
  it('linux: 131 s connect + (120 + 924.6 + 120) s data give-up + (120 + 102.2 + 120) s orphan FIN + 60 s TIME_WAIT', () => {
    // tcp_model_timeout(15, 120 s) = 924.6 s; tcp_orphan_retries 0 ⇒ 8: (2^9 − 1) · 0.2 s = 102.2 s.
    expect(worstCaseLifetime(getProfile('linux'))).toBe(131_000 + 1_164_600 + 342_200 + 60_000);
  });

  it('rfc9293: 183 s connect + 16 × 60 s data + 16 × 60 s FIN + 240 s TIME_WAIT, beyond the 30 min default', () => {
    // SYN waits 1, 2, 4, 8, 16, 32, 60, 60 s (rtoMax 60 s); R2 after 15 retransmissions, each ≤ rtoMax.
    const lifetime = worstCaseLifetime(getProfile('rfc9293'));
    expect(lifetime).toBe(183_000 + 960_000 + 960_000 + 240_000);
    expect(lifetime).toBeGreaterThan(30 * 60 * 1000);
  });

  it('keepalive adds its idle time and every unanswered probe (RFC 1122 §4.2.3.6)', () => {
    const plain = worstCaseLifetime(getProfile('linux'));
    const keepalive = worstCaseLifetime(getProfile('linux', { keepalive: true }));
    expect(keepalive - plain).toBe(7_200_000 + 9 * 75_000 - 1_164_600);
  });

  it('TCP_USER_TIMEOUT replaces the retries as the give-up bound (RFC 5482)', () => {
    const bounded = worstCaseLifetime(getProfile('linux', { userTimeout: 5_000 }));
    expect(bounded).toBe(131_000 + 245_000 + 245_000 + 60_000);
  });

  it("a FIN_WAIT_2 timeout longer than the orphan's retransmissions bounds the close", () => {
    const long = worstCaseLifetime(getProfile('linux', { finWait2Timeout: 3_600_000 }));
    expect(long - worstCaseLifetime(getProfile('linux'))).toBe(3_600_000 - 342_200);
  });
});
