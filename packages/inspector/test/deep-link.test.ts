/** The URL hash of a moment (public/deep-link.js): round trip, bounds, instants. */
import { describe, expect, it } from 'vitest';
import { cursorForTime, formatHash, parseHash } from '../public/deep-link.js';

describe('deep links', () => {
  it('round-trips a moment, a selected segment and pinned connections (ids with : - #)', () => {
    const view = {
      event: 42,
      t: 1234.5,
      seg: 17,
      conns: [
        ['client', '40000-10.0.0.2:80'],
        ['server', '80-10.0.0.1:40000#2'],
      ] as [string, string][],
    };
    const hash = formatHash(view);
    expect(parseHash(hash)).toEqual(view);
  });

  it('is empty when following live with nothing selected, and reads no link from it', () => {
    expect(formatHash({ event: null, seg: null, conns: [] })).toBe('');
    expect(parseHash('')).toBeNull();
    expect(parseHash('#foo=1')).toBeNull();
  });

  it('ignores malformed or out-of-bounds parts instead of failing', () => {
    expect(parseHash('#event=-3&seg=abc&t=1e400')).toBeNull();
    expect(parseHash('#event=99999999999&seg=5')).toEqual({
      event: undefined,
      t: undefined,
      seg: 5,
      conns: [],
    });
    expect(parseHash('#conn=noslash&conn=/x&conn=a/')).toBeNull();
    expect(parseHash('#event=2.5&t=10')).toMatchObject({ event: undefined, t: 10 });
  });

  it('maps an instant to the moment after its last trace event, once a later one has arrived', () => {
    const times = [0, 0, 10, 20, 20, 30];
    expect(cursorForTime(times, 20, false)).toEqual({ k: 5, ready: true });
    expect(cursorForTime(times, 15, false)).toEqual({ k: 3, ready: true });
    expect(cursorForTime(times, 30, false)).toEqual({ k: 6, ready: false });
    expect(cursorForTime(times, 30, true)).toEqual({ k: 6, ready: true });
  });
});
