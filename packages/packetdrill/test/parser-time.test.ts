/** Event times: absolute, +relative, *, ranges, and blocking `...T` calls. */
import { describe, expect, it } from 'vitest';
import { onlyEvent, parseError, parseOk } from './helpers.js';

const OUT = '> . 1:1(0) ack 1';

describe('event times', () => {
  it.each([
    ['0.100', { kind: 'absolute', usecs: 100_000 }],
    ['2', { kind: 'absolute', usecs: 2_000_000 }],
    ['+.1', { kind: 'relative', usecs: 100_000 }],
    ['+0', { kind: 'relative', usecs: 0 }],
    ['*', { kind: 'any' }],
    ['1~2', { kind: 'range', start: { relative: false, usecs: 1e6 }, end: { relative: false, usecs: 2e6 } }],
    [
      '+.3~+.303',
      { kind: 'range', start: { relative: true, usecs: 300_000 }, end: { relative: true, usecs: 303_000 } },
    ],
  ])('%s', (time, expected) => {
    expect(onlyEvent(`${time} ${OUT}`).time).toEqual(expected);
  });

  it('keeps microseconds exact and rounds below them', () => {
    expect(onlyEvent(`0.1234567 ${OUT}`).time).toEqual({ kind: 'absolute', usecs: 123_457 });
    expect(onlyEvent(`0.000001 ${OUT}`).time).toEqual({ kind: 'absolute', usecs: 1 });
  });

  it('rejects a range mixing relative and absolute ends', () => {
    expect(parseError(`+1~2 ${OUT}`).message).toBe('a time range is written a~b or +a~+b');
  });

  it('rejects a range that ends before it starts', () => {
    expect(parseError(`2~1 ${OUT}`).message).toMatch(/must not end before it starts/);
  });

  it.each(['*', '1~2'])('allows %s only on outbound packets', (time) => {
    const error = parseError(`${time} < . 1:1(0) ack 1 win 100`);
    expect(error).toMatchObject({
      line: 1,
      column: 1,
      message: 'a time range or * is only allowed on outbound (>) packets',
    });
    expect(parseError(`${time} close(3) = 0`).message).toMatch(/only allowed on outbound/);
  });

  it.each(['-1', 'x', '.'])('rejects %s as a time', (time) => {
    expect(parseError(`${time} ${OUT}`).message).toMatch(/^expected a time/);
  });
});

describe('blocking calls', () => {
  it('records when the call returns, measured like its start', () => {
    expect(onlyEvent('+.1...0.200 connect(3, ..., ...) = 0')).toMatchObject({
      type: 'syscall',
      time: { kind: 'relative', usecs: 100_000 },
      blockingUntil: 200_000,
    });
    expect(onlyEvent('0 ... 30 accept(3, ..., ...) = 4')).toMatchObject({ blockingUntil: 30_000_000 });
  });

  it('needs a syscall after the blocking time', () => {
    expect(parseError(`+0...1 ${OUT}`).message).toBe(
      "expected a syscall after a blocking time (...T), found '>'",
    );
  });

  it('rejects a relative end time (packetdrill writes the end without +)', () => {
    expect(parseError('+0...+1 close(3) = 0').message).toMatch(
      /^expected the time the blocking call returns/,
    );
  });

  it('lets later events run while the call blocks', () => {
    const script = parseOk(
      '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0...19 connect(3, ..., ...) = -1 ETIMEDOUT (x)\n1 > S 0:0(0) <...>\n',
    );
    expect(script.events.map((e) => e.type)).toEqual(['syscall', 'syscall', 'packet']);
  });
});
