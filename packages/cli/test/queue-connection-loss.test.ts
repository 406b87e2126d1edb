import { describe, expect, it } from 'vitest';
import { toleratedRejection, tolerateRejections } from '../src/internal-error.js';
import { waitOutOutage } from '../src/sweep/queue/executor.js';
import { isConnectionLoss } from '../src/sweep/queue/protocol.js';

function named(name: string, message: string, code?: string): Error {
  return Object.assign(new Error(message), { name, ...(code ? { code } : {}) });
}

describe('a lost Redis connection during a queue sweep is an outage, not a bug', () => {
  it('recognises ioredis giving up a command, a closed socket and a refused or reset connection', () => {
    expect(
      isConnectionLoss(named('MaxRetriesPerRequestError', 'Reached the max retries per request limit')),
    ).toBe(true);
    expect(isConnectionLoss(new Error('Connection is closed.'))).toBe(true);
    expect(isConnectionLoss(named('Error', 'connect ECONNREFUSED 127.0.0.1:6379', 'ECONNREFUSED'))).toBe(
      true,
    );
    expect(isConnectionLoss(named('Error', 'read ECONNRESET', 'ECONNRESET'))).toBe(true);
  });

  it('anything else stays a bug', () => {
    expect(isConnectionLoss(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe(false);
    expect(isConnectionLoss(new Error('WRONGPASS invalid username-password pair'))).toBe(false);
    expect(isConnectionLoss(undefined)).toBe(false);
  });

  it('the binary tolerates such rejections only while a command has registered the test', () => {
    const lost = new Error('Connection is closed.');
    expect(toleratedRejection(lost)).toBe(false);
    const untolerate = tolerateRejections(isConnectionLoss);
    expect(toleratedRejection(lost)).toBe(true);
    expect(toleratedRejection(new TypeError('x is not a function'))).toBe(false);
    untolerate();
    expect(toleratedRejection(lost)).toBe(false);
  });
});

describe('the last bookkeeping of a queue sweep waits out a short outage', () => {
  const lost = () =>
    Object.assign(new Error('Reached the max retries per request limit'), {
      name: 'MaxRetriesPerRequestError',
    });

  it('repeats a step that lost its connection until it succeeds, saying so once each way', async () => {
    let calls = 0;
    const warnings: string[] = [];
    const ok = await waitOutOutage(
      async () => {
        calls++;
        if (calls < 3) throw lost();
      },
      60_000,
      (text) => warnings.push(text),
    );
    expect(ok).toBe(true);
    expect(calls).toBe(3);
    expect(warnings).toEqual([
      'sweep: Redis unreachable (Reached the max retries per request limit); waiting for it\n',
      'sweep: Redis is back; continuing\n',
    ]);
  });

  it('gives up after the outage limit, and throws anything that is not a lost connection', async () => {
    let calls = 0;
    const gaveUp = await waitOutOutage(
      async () => {
        calls++;
        throw lost();
      },
      0,
      () => {},
    );
    expect(gaveUp).toBe(false);
    expect(calls).toBeGreaterThanOrEqual(1);
    await expect(
      waitOutOutage(
        async () => {
          throw new TypeError('x is not a function');
        },
        60_000,
        () => {},
      ),
    ).rejects.toThrow(TypeError);
  });
});
