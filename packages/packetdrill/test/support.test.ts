/** checkSupported: what a runner on the simulated endpoint cannot honour, by line. */
import { describe, expect, it } from 'vitest';
import { checkSupported } from '../src/support.js';
import { parseOk, SOCKET } from './helpers.js';

const report = (text: string) => checkSupported(parseOk(text));
const unsupported = (text: string) => report(text).unsupported.map((f) => [f.line, f.category, f.message]);

describe('syscalls', () => {
  it('accepts the socket API the brief lists', () => {
    const script = `${SOCKET}+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 setsockopt(3, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0
+0 setsockopt(3, IPPROTO_TCP, TCP_NODELAY, [1], 4) = 0
+0 setsockopt(3, IPPROTO_TCP, TCP_MAXSEG, [536], 4) = 0
+0 setsockopt(3, IPPROTO_TCP, TCP_USER_TIMEOUT, [1000], 4) = 0
+0 setsockopt(3, IPPROTO_TCP, TCP_CONGESTION, "cubic", 5) = 0
+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 accept(3, ..., ...) = 4
+0 connect(3, ..., ...) = -1 EINPROGRESS (x)
+0 read(4, ..., 10) = 10
+0 recv(4, ..., 10, 0) = 10
+0 write(4, ..., 10) = 10
+0 send(4, ..., 10, MSG_NOSIGNAL) = 10
+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
+0 getsockopt(3, IPPROTO_TCP, TCP_MAXSEG, [536], [4]) = 0
+0 poll([{fd=3, events=POLLIN|POLLOUT, revents=POLLOUT}], 1, 0) = 1
+0 shutdown(4, SHUT_WR) = 0
+0 close(4) = 0
`;
    expect(report(script)).toEqual({ supported: true, unsupported: [], ignored: [], sysctls: [] });
  });

  it('reports other syscalls, socket options, flags and congestion controls with their lines', () => {
    const script = `${SOCKET}+0 epoll_create(1) = 5
+0 setsockopt(3, SOL_SOCKET, SO_ZEROCOPY, [1], 4) = 0
+0 setsockopt(3, IPPROTO_TCP, TCP_CONGESTION, "bbr", 3) = 0
+0 send(3, ..., 10, MSG_ZEROCOPY) = 10
+0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 4
`;
    expect(unsupported(script)).toEqual([
      [2, 'syscall', expect.stringMatching(/^syscall epoll_create\(\) is not simulated/)],
      [3, 'syscall', expect.stringMatching(/^setsockopt\(\): SO_ZEROCOPY is not simulated/)],
      [4, 'syscall', 'setsockopt(TCP_CONGESTION): only "reno" and "cubic" are simulated'],
      [5, 'syscall', expect.stringMatching(/^send\(\): MSG_ZEROCOPY is not simulated/)],
      [
        6,
        'syscall',
        'socket(): SOCK_DGRAM is not simulated (supported: SOCK_STREAM, SOCK_NONBLOCK); IPPROTO_UDP is not simulated (supported: IPPROTO_TCP)',
      ],
    ]);
  });
});

describe('packets and options', () => {
  it('accepts the modelled TCP options and the wildcard', () => {
    expect(
      report('0 < S 0:0(0) win 1 <mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7>\n+0 > S. 0:0(0) ack 1 <...>')
        .supported,
    ).toBe(true);
  });

  it('reports ECN, urgent data, IP fields, Fast Open, unknown options, UDP and ICMP', () => {
    const script = `0 > SEW 0:0(0) <...>
+0 < U. 1:1(0) ack 1 win 1 urg 1
+0 < [ect0] . 1:1(0) ack 1 win 1
+0 > S 0:0(0) <FO abcd1234,nop,nop>
+0 > . 1:1(0) ack 1 <ms 1460>
+0 < udp (10)
+0 < icmp unreachable
`;
    expect(unsupported(script)).toEqual([
      [1, 'packet', 'ECN flags (SEW) are not simulated'],
      [2, 'packet', 'urgent data is not simulated'],
      [3, 'packet', expect.stringMatching(/^IP header fields/)],
      [4, 'tcp-option', 'TCP Fast Open (FO) is not simulated'],
      [5, 'tcp-option', "TCP option 'ms 1460' is unknown or not simulated"],
      [6, 'packet', 'udp packets are not simulated'],
      [7, 'packet', 'icmp packets are not simulated'],
    ]);
  });
});

describe('preamble options', () => {
  it('accepts the tolerance, MSS and address options, rejects the others', () => {
    const script = `--tolerance_usecs=10000
--tolerance_percent=5
--strict_segments
--mss=1000
--ip_version=ipv6
--wire_client
${SOCKET}`;
    expect(unsupported(script)).toEqual([
      [5, 'option', 'option --ip_version=ipv6: only ipv4 is simulated'],
      [6, 'option', 'option --wire_client is not supported'],
    ]);
  });
});

describe('shell commands and code blocks', () => {
  it('collects whitelisted sysctls as settings and reports the rest as ignored', () => {
    const script = `\`../common/defaults.sh
sysctl -q net.ipv4.tcp_syn_retries=3 net.ipv4.tcp_ecn=1\`
${SOCKET}+0 \`echo 0 > /proc/sys/net/ipv4/tcp_sack\`
`;
    const r = report(script);
    expect(r.supported).toBe(true);
    expect(r.sysctls).toEqual([
      { sysctl: 'net.ipv4.tcp_syn_retries', setting: 'synRetries', value: 3, line: 2, column: 1 },
      { sysctl: 'net.ipv4.tcp_sack', setting: 'sack', value: false, line: 4, column: 5 },
    ]);
    expect(r.ignored.map((f) => [f.line, f.category, f.message])).toEqual([
      [1, 'shell', 'ignored shell command: ../common/defaults.sh'],
      [2, 'sysctl', 'ignored sysctl net.ipv4.tcp_ecn'],
    ]);
  });

  it('reports a whitelisted sysctl set to a value we do not model', () => {
    expect(unsupported('`sysctl -q net.ipv4.tcp_congestion_control=bbr`\n')).toEqual([
      [1, 'sysctl', 'net.ipv4.tcp_congestion_control=bbr: supported values are reno or cubic'],
    ]);
  });

  it('reports unsupported code statements on their own line', () => {
    const script = `${SOCKET}+0 %{
assert tcpi_state == TCP_ESTABLISHED
assert (tcpi_options & 1) == 0
}%`;
    expect(unsupported(script)).toEqual([
      [4, 'code', expect.stringMatching(/^assert \(tcpi_options & 1\) == 0: /)],
    ]);
  });
});

describe('encapsulation', () => {
  it('is reported unsupported', () => {
    expect(unsupported('0 < ipv4 2.2.2.2 > 1.1.1.1: gre: . 1:1(0) ack 1 win 1\n')).toEqual([
      [1, 'packet', 'encapsulation (ipv4 2.2.2.2 > 1.1.1.1: gre:) is not simulated'],
    ]);
  });
});
