/** The printer gives canonical packetdrill text that parses back to the same tree. */
import { describe, expect, it } from 'vitest';
import { formatEvent, formatScript, formatSeconds } from '../src/printer.js';
import { allowedDeviation, DEFAULT_TOLERANCE, timingTolerance } from '../src/timing.js';
import { parseOk, withoutPositions } from './helpers.js';

describe('formatEvent', () => {
  it.each([
    [
      '+.1 < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7>',
      '+0.1 < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7>',
    ],
    ['0.100 > S. 0:0(0) ack 1 <...>', '0.1 > S. 0:0(0) ack 1 <...>'],
    ['+.3~+.303 > [ect0] P.6 1:1001(1000) ack 1', '+0.3~+0.303 > [ect0] P.6 1:1001(1000) ack 1'],
    [
      '+0...0.200 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)',
      '+0...0.2 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)',
    ],
    [
      '+0 setsockopt(4, SOL_SOCKET, SO_LINGER, {onoff=1,linger=0}, 8) = 0',
      '+0 setsockopt(4, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0',
    ],
    ['+0 write(3, "a\\"b"..., 3) = 3', '+0 write(3, "a\\"b"..., 3) = 3'],
    ['* > . 1:1(0) ack 1 <nop,nop,sack 1:2 3:4>', '* > . 1:1(0) ack 1 <nop,nop,sack 1:2 3:4>'],
    ['+0 < (tos 0x1) S 0:0(0) win 1', '+0 < (tos 0x1) S 0:0(0) win 1'],
    [
      '+0 < icmp unreachable frag_needed mtu 840 [0:1000(1000)]',
      '+0 < icmp unreachable frag_needed mtu 840 [0:1000(1000)]',
    ],
  ])('%s', (line, printed) => {
    expect(formatEvent(parseOk(line).events[0])).toBe(printed);
  });

  it('prints seconds without trailing zeros', () => {
    expect([0, 1, 100_000, 2_000_000, 1_234_567, 300_001].map(formatSeconds)).toEqual([
      '0',
      '0.000001',
      '0.1',
      '2',
      '1.234567',
      '0.300001',
    ]);
  });
});

describe('formatScript', () => {
  it('round-trips options, untimed commands and code blocks', () => {
    const text =
      '--tolerance_usecs=5000\n--code_command="python3 -u"\n`a\nb`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 %{ assert tcpi_state == 1 }%\n`c`\n';
    const script = parseOk(text);
    expect(withoutPositions(parseOk(formatScript(script)))).toEqual(withoutPositions(script));
  });
});

describe('timing tolerance', () => {
  it('defaults to packetdrill’s 4 ms / 12.5 % and reads the preamble', () => {
    expect(timingTolerance(parseOk(''))).toEqual(DEFAULT_TOLERANCE);
    expect(timingTolerance(parseOk('--tolerance_usecs=10000\n--tolerance_percent=5\n'))).toEqual({
      usecs: 10_000,
      percent: 5,
    });
  });

  it('allows the larger of the fixed and the proportional tolerance', () => {
    expect(allowedDeviation(DEFAULT_TOLERANCE, 10_000)).toBe(4000);
    expect(allowedDeviation(DEFAULT_TOLERANCE, 1_200_000)).toBe(150_000);
  });
});
