/** Backquoted commands read for sysctls, and the sysctl whitelist. */
import { describe, expect, it } from 'vitest';
import { readShellCommand } from '../src/shell.js';
import { readSysctl, SUPPORTED_SYSCTLS } from '../src/sysctls.js';

const at = { line: 10, column: 5 };

describe('readShellCommand', () => {
  it('reads sysctl -q with several assignments', () => {
    expect(readShellCommand('sysctl -q net.ipv4.tcp_timestamps=0 net.ipv4.tcp_sack=0', at)).toMatchObject([
      { kind: 'sysctl', name: 'net.ipv4.tcp_timestamps', value: '0', line: 10, column: 6 },
      { kind: 'sysctl', name: 'net.ipv4.tcp_sack', value: '0', line: 10, column: 6 },
    ]);
  });

  it('reads echo V > /proc/sys/… and set_sysctls.py, with quoted values', () => {
    expect(readShellCommand('echo 3 > /proc/sys/net/ipv4/tcp_syn_retries', at)).toMatchObject([
      { kind: 'sysctl', name: 'net.ipv4.tcp_syn_retries', value: '3' },
    ]);
    expect(
      readShellCommand('../common/set_sysctls.py /proc/sys/net/ipv4/tcp_wmem="4096 50000 4194304"', at),
    ).toMatchObject([{ kind: 'sysctl', name: 'net.ipv4.tcp_wmem', value: '4096 50000 4194304' }]);
  });

  it('splits statements at newlines, ; and &&, skipping blanks and # comments', () => {
    const statements = readShellCommand(
      '../common/defaults.sh\n  # note\n sysctl -w net.ipv4.tcp_sack=1; tc qdisc && true',
      at,
    );
    expect(statements.map((s) => [s.kind, s.text, s.line, s.column])).toEqual([
      ['other', '../common/defaults.sh', 10, 6],
      ['sysctl', 'sysctl -w net.ipv4.tcp_sack=1', 12, 2],
      ['other', 'tc qdisc', 12, 33],
      ['other', 'true', 12, 45],
    ]);
  });

  it('is not fooled by an assignment that is not a sysctl path', () => {
    expect(readShellCommand('sysctl -q foo=1', at)).toMatchObject([{ kind: 'other' }]);
    expect(readShellCommand('export X=net.ipv4.tcp_sack', at)).toMatchObject([{ kind: 'other' }]);
  });
});

describe('readSysctl', () => {
  it.each([
    ['net.ipv4.tcp_syn_retries', '3', 'synRetries', 3],
    ['net.ipv4.tcp_synack_retries', '2', 'synackRetries', 2],
    ['net.ipv4.tcp_syn_linear_timeouts', '0', 'synLinearTimeouts', 0],
    ['net.ipv4.tcp_syncookies', '2', 'syncookies', 2],
    ['net.ipv4.tcp_fin_timeout', '5', 'finWait2Timeout', 5000],
    ['net.ipv4.tcp_sack', '0', 'sack', false],
    ['net.ipv4.tcp_timestamps', '1', 'timestamps', true],
    ['net.ipv4.tcp_window_scaling', '0', 'windowScaling', false],
    ['net.ipv4.tcp_congestion_control', 'cubic', 'cc', 'cubic'],
    ['net.ipv4.tcp_congestion_control', 'reno', 'cc', 'newreno'],
    ['net.ipv4.tcp_early_retrans', '0', 'rack', false],
    ['net.ipv4.tcp_early_retrans', '3', 'rack', true],
    ['net.ipv4.tcp_slow_start_after_idle', '0', 'slowStartAfterIdle', false],
    ['net.ipv4.tcp_rfc1337', '1', 'rfc1337', true],
  ])('%s=%s → %s', (name, text, setting, value) => {
    expect(readSysctl(name, text)).toEqual({ kind: 'setting', setting: { sysctl: name, setting, value } });
  });

  it.each([
    ['net.ipv4.tcp_syncookies', '3'],
    ['net.ipv4.tcp_sack', 'yes'],
    ['net.ipv4.tcp_congestion_control', 'bbr'],
    ['net.ipv4.tcp_syn_retries', '0'],
  ])('%s=%s is a value we do not model', (name, text) => {
    expect(readSysctl(name, text)).toMatchObject({
      kind: 'bad-value',
      message: expect.stringContaining(`${name}=${text}`),
    });
  });

  it('does not know other sysctls (nor Object.prototype names)', () => {
    expect(readSysctl('net.ipv4.tcp_ecn', '1')).toEqual({ kind: 'unknown' });
    expect(readSysctl('constructor', '1')).toEqual({ kind: 'unknown' });
  });

  it('lists the sysctls the brief names', () => {
    for (const name of [
      'tcp_syn_retries',
      'tcp_synack_retries',
      'tcp_syn_linear_timeouts',
      'tcp_syncookies',
      'tcp_fin_timeout',
      'tcp_sack',
      'tcp_timestamps',
      'tcp_window_scaling',
      'tcp_congestion_control',
    ])
      expect(SUPPORTED_SYSCTLS).toContain(`net.ipv4.${name}`);
  });
});
