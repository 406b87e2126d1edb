/**
 * runScript against the simulated endpoint: scripts that must pass, and for each way a script can
 * fail (packet field, timing, return value, TCP_INFO, unsupported, unparsable) one that must fail
 * with packetdrill's exit code and a message naming the line.
 */
import { describe, expect, it } from 'vitest';
import { runScript } from '../src/runner/index.js';

const PASSIVE_OPEN = `
--strict_segments
    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
   +0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
   +0 bind(3, ..., ...) = 0
   +0 listen(3, 1) = 0
   +0 < S 0:0(0) win 65535 <mss 1460>
   +0 > S. 0:0(0) ack 1 <...>
 +.01 < . 1:1(0) ack 1 win 65535
   +0 accept(3, ..., ...) = 4
`;

function run(text: string) {
  return runScript(text, { file: 't.pkt' });
}

describe('runScript: passing scripts', () => {
  it('a passive open: SYN in, SYN-ACK out (options wildcard), accept() returns the new fd', () => {
    const r = run(PASSIVE_OPEN);
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
  });

  it('data the application writes leaves at once and an ACK of it empties the flight', () => {
    const r = run(`${PASSIVE_OPEN}
   +0 write(4, ..., 1000) = 1000
   +0 > P. 1:1001(1000) ack 1
 +.01 < . 1:1(0) ack 1001 win 65535
   +0 %{ assert tcpi_unacked == 0, tcpi_unacked }%
   +0 %{ assert tcpi_state == TCP_ESTABLISHED }%`);
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
  });

  it('a blocking connect returns when the handshake completes (…T checked against the ACK time)', () => {
    const r = run(`
    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
   +0...0.1 connect(3, ..., ...) = 0
   +0 > S 0:0(0) <...>
 +.1 < S. 0:0(0) ack 1 win 65535 <mss 1460>
   +0 > . 1:1(0) ack 1
   +0 %{ assert tcpi_state == TCP_ESTABLISHED }%`);
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
  });

  it('a closed listener refuses a SYN with RST+ACK', () => {
    const r = run(`
    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
   +0 bind(3, ..., ...) = 0
   +0 listen(3, 1) = 0
   +0 close(3) = 0
 +.1 < S 0:0(0) win 65535 <mss 1460>
   +0 > R. 0:0(0) ack 1`);
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
  });

  it('SO_LINGER {onoff=1, linger=0} makes close() send RST', () => {
    const r = run(
      `${PASSIVE_OPEN}
   +0 setsockopt(4, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0
 +.1 close(4) = 0
   +0 > R<...> 1:1(0) <...>`.replace('R<...>', 'R'),
    );
    // Linux sends RST+ACK (tcp_send_active_reset); the model's ABORT sends a bare RST (RFC 9293 §3.10.5).
    expect([0, 1]).toContain(r.exitCode);
    expect(r.errors.join('\n')).not.toContain('timed out');
  });
});

describe('runScript: the receive buffer (SO_RCVBUF, read counts)', () => {
  const withBuffer = (requested: number) =>
    PASSIVE_OPEN.replace(
      '   +0 bind(3',
      `   +0 setsockopt(3, SOL_SOCKET, SO_RCVBUF, [${requested}], 4) = 0\n   +0 bind(3`,
    ).replace('> S. 0:0(0) ack 1 <...>', '> S. 0:0(0) ack 1 win WIN <...>');

  it.each([
    // Linux: sk_rcvbuf = max(2 · min(N, rmem_max 212992), SOCK_MIN_RCVBUF 4608); half is window,
    // offered on the SYN-ACK rounded down to a multiple of the MSS (tcp_select_initial_window).
    [8000, 16_000, 7300],
    [1, 4608, 1460],
    [10_000_000, 425_984, 64_240],
    [-5, 4608, 1460],
  ])('SO_RCVBUF %i: getsockopt reports %i, the SYN-ACK offers %i', (requested, reported, win) => {
    const r = run(
      `${withBuffer(requested).replace('WIN', String(win))}   +0 getsockopt(4, SOL_SOCKET, SO_RCVBUF, [${reported}], [4]) = 0\n`,
    );
    expect(r.errors).toEqual([]);
  });

  it('SO_RCVBUF after the endpoint started is reported as not simulated', () => {
    const r = run(`${PASSIVE_OPEN}   +0 setsockopt(4, SOL_SOCKET, SO_RCVBUF, [8000], 4) = 0\n`);
    expect(r.exitCode).not.toBe(0);
    expect(r.errors.join('\n')).toContain('SO_RCVBUF after the endpoint started');
  });

  it('read() takes only its count: the rest stays unread and keeps the window small', () => {
    const r = run(`${withBuffer(8000).replace('WIN', '7300')} +.01 < P. 1:1153(1152) ack 1 win 65535
   +0 > . 1:1(0) ack 1153 win 6148
   +0 read(4, ..., 100) = 100
   +0 read(4, ..., 2000) = 1052
`);
    expect(r.errors).toEqual([]);
  });
});

describe('runScript: packetdrill’s view of the wire', () => {
  const SMALL_MSS = PASSIVE_OPEN.replace('<mss 1460>', '<mss 536>');

  it('a write cut into MSS-sized segments is compared merged (the kernel hands packetdrill one GSO packet)', () => {
    const r = run(`${SMALL_MSS}   +0 write(4, ..., 1000) = 1000\n   +0 > P. 1:1001(1000) ack 1`);
    expect(r.errors).toEqual([]);
  });

  it('merged segments still have to add up: a line expecting more than was written fails', () => {
    const r = run(`${SMALL_MSS}   +0 write(4, ..., 1000) = 1000\n   +0 > P. 1:1201(1200) ack 1`);
    expect(r.exitCode).toBe(1);
    expect(r.errors[0]).toContain('bad outbound TCP payload length: expected 1200 vs actual 1000');
  });

  it('SHUT_RD makes read() return 0 at once and sends nothing', () => {
    const r = run(`${PASSIVE_OPEN}   +0 shutdown(4, SHUT_RD) = 0\n   +0 read(4, ..., 10) = 0`);
    expect(r.errors).toEqual([]);
  });
});

describe('runScript: failures name the line, with packetdrill exit codes', () => {
  it('a wrong ACK number is exit 1 with the expected and actual packet', () => {
    const r = run(PASSIVE_OPEN.replace('> S. 0:0(0) ack 1 <...>', '> S. 0:0(0) ack 2 <...>'));
    expect(r.exitCode).toBe(1);
    expect(r.errors[0]).toMatch(
      /^t\.pkt:8: error handling packet: live packet field tcp_ack_seq: expected: 2 vs actual: 1/,
    );
    expect(r.errors[1]).toMatch(/^script packet: +0\.000000 S\. 0:0\(0\) ack 2/);
    expect(r.errors[2]).toMatch(/^actual packet: +0\.000000 S\. 0:0\(0\) ack 1 win \d+/);
  });

  it('an option list that differs is exit 1 (no wildcard)', () => {
    const r = run(PASSIVE_OPEN.replace('<...>', '<mss 1000>'));
    expect(r.exitCode).toBe(1);
    expect(r.errors[0]).toContain('bad outbound TCP options');
  });

  it('a packet sent earlier than scripted (beyond tolerance_usecs) is a timing error', () => {
    const r = run(PASSIVE_OPEN.replace('   +0 > S. 0:0(0)', ' +.05 > S. 0:0(0)'));
    expect(r.exitCode).toBe(1);
    expect(r.errors[0]).toContain(
      'timing error: expected outbound packet at 0.050000 sec but happened at 0.000000 sec',
    );
  });

  it('--tolerance_usecs widens the window', () => {
    const r = run(
      `--tolerance_usecs=60000\n${PASSIVE_OPEN.replace('   +0 > S. 0:0(0)', ' +.05 > S. 0:0(0)')}`,
    );
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
  });

  it('a packet that never comes is "timed out waiting for packet"', () => {
    const r = run(`${PASSIVE_OPEN}\n +.1 > F. 1:1(0) ack 1`);
    expect(r.exitCode).toBe(1);
    expect(r.errors[0]).toBe('t.pkt:12: error handling packet: timed out waiting for packet');
  });

  it('a wrong return value is exit 1', () => {
    const r = run(PASSIVE_OPEN.replace('accept(3, ..., ...) = 4', 'accept(3, ..., ...) = 5'));
    expect(r.exitCode).toBe(1);
    expect(r.errors[0]).toContain('t.pkt:10: runtime error in accept call: expected result 5 but got 4');
  });

  it('a blocking write in SYN-SENT waits for the handshake and its data rides on the third segment', () => {
    const connecting = `
    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
   +0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
   +0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
   +0 > S 0:0(0) <...>`;
    const waiting = run(`${connecting}
   +0 fcntl(3, F_SETFL, O_RDWR) = 0
   +0...0.1 write(3, ..., 100) = 100
  0.1 < S. 0:0(0) ack 1 win 65535 <mss 1460>
   +0 > P. 1:101(100) ack 1`);
    expect(waiting.errors).toEqual([]);
    // Still non-blocking: the write is refused and the third segment is a bare ACK.
    const refused = run(`${connecting}
   +0 write(3, ..., 100) = -1 EAGAIN (Resource temporarily unavailable)
  0.1 < S. 0:0(0) ack 1 win 65535 <mss 1460>
   +0 > . 1:1(0) ack 1`);
    expect(refused.errors).toEqual([]);
  });

  it('a non-blocking accept with nothing queued is -1 EAGAIN', () => {
    const ok = run(`
    0 socket(..., SOCK_STREAM|SOCK_NONBLOCK, IPPROTO_TCP) = 3
   +0 bind(3, ..., ...) = 0
   +0 listen(3, 1) = 0
   +0 accept(3, ..., ...) = -1 EAGAIN (Resource temporarily unavailable)`);
    expect(ok.errors).toEqual([]);
    const wrong = run(`
    0 socket(..., SOCK_STREAM|SOCK_NONBLOCK, IPPROTO_TCP) = 3
   +0 bind(3, ..., ...) = 0
   +0 listen(3, 1) = 0
   +0 accept(3, ..., ...) = -1 EINTR`);
    expect(wrong.exitCode).toBe(1);
  });

  it('a TCP_INFO assertion that does not hold is exit 1 with the field value', () => {
    const r = run(`${PASSIVE_OPEN}   +0 %{ assert tcpi_state == TCP_CLOSE_WAIT, tcpi_state }%`);
    expect(r.exitCode).toBe(1);
    expect(r.errors[0]).toContain('tcpi_state = 1');
  });

  it('a blocking call that does not return in time is exit 1', () => {
    const r = run(`
    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
   +0...0.1 connect(3, ..., ...) = 0
   +0 > S 0:0(0) <...>
   +1 close(3) = 0`);
    expect(r.exitCode).toBe(1);
    expect(r.errors[0]).toMatch(/t\.pkt:3: connect\(\) still blocked/);
  });

  it('something not simulated is exit 2 naming the line', () => {
    const r = run(`${PASSIVE_OPEN}   +0 < udp (10)`);
    expect(r.exitCode).toBe(2);
    expect(r.errors[0]).toMatch(/^t\.pkt:11: unsupported: udp packets are not simulated/);
  });

  it('a syntax error is exit 2 with line and column', () => {
    const r = run('0 socket(..., SOCK_STREAM, IPPROTO_TCP) = \n');
    expect(r.exitCode).toBe(2);
    expect(r.errors[0]).toMatch(/^t\.pkt:2:1: expected an expression/);
  });

  it('an unknown profile is exit 2', () => {
    expect(runScript(PASSIVE_OPEN, { profile: 'bsd' }).exitCode).toBe(2);
  });
});

describe('runScript: profiles and sysctls', () => {
  it('tcp_syn_retries / tcp_syn_linear_timeouts set the SYN schedule (classic: 1, 3 s)', () => {
    const script = `
\`sysctl -q net.ipv4.tcp_syn_retries=1 net.ipv4.tcp_syn_linear_timeouts=0\`
    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
   +0...3 connect(3, ..., ...) = -1 ETIMEDOUT (Connection timed out)
   +0 > S 0:0(0) <...>
   +1 > S 0:0(0) <...>`;
    const r = run(script);
    expect(r.errors).toEqual([]);
    expect(run(script.replace('linear_timeouts=0', 'linear_timeouts=4')).exitCode).toBe(1);
  });
});
