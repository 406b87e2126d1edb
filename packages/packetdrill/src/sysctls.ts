/**
 * The sysctls a script may set, each mapped to the setting of the simulated endpoint it stands for
 * (a profile field, a listener option, or a feature switch the data path will read). Names and
 * value ranges are Linux's (Documentation/networking/ip-sysctl.rst); times are converted to the
 * model's milliseconds. A sysctl not in this table is reported as ignored by checkSupported.
 */

export type SettingValue = number | boolean | string;

export interface SysctlSetting {
  /** Dotted sysctl name, `net.ipv4.tcp_syn_retries`. */
  readonly sysctl: string;
  /** The endpoint setting it maps to (`synRetries` is the profile field of the same meaning). */
  readonly setting: string;
  readonly value: SettingValue;
}

interface Rule {
  readonly setting: string;
  /** Turns the written value into the setting's value, or undefined when it is outside the range we model. */
  readonly read: (text: string) => SettingValue | undefined;
  /** What the values may be, for the error message. */
  readonly range: string;
}

const integer = (min: number, max: number, scale = 1): Rule['read'] => {
  return (text) => {
    if (!/^-?\d+$/.test(text)) return undefined;
    const n = Number(text);
    return n >= min && n <= max ? n * scale : undefined;
  };
};

const flag: Rule['read'] = (text) => (text === '0' ? false : text === '1' ? true : undefined);

function lossProbes(text: string): boolean | undefined {
  const n = integer(0, 4)(text);
  return n === undefined ? undefined : Number(n) >= 3;
}

// long: table
const RULES: Readonly<Record<string, Rule>> = {
  'net.ipv4.tcp_syn_retries': { setting: 'synRetries', read: integer(1, 127), range: '1…127' },
  'net.ipv4.tcp_synack_retries': { setting: 'synackRetries', read: integer(0, 255), range: '0…255' },
  // Linux ≥ 6.5 (tcp_connect_init / tcp_write_timeout): SYN retransmissions with a linear RTO.
  'net.ipv4.tcp_syn_linear_timeouts': { setting: 'synLinearTimeouts', read: integer(0, 255), range: '0…255' },
  'net.ipv4.tcp_syncookies': { setting: 'syncookies', read: integer(0, 2), range: '0, 1 or 2' },
  // Seconds in the sysctl, milliseconds in the model (orphaned FIN_WAIT_2 lifetime, tcp_fin_timeout).
  'net.ipv4.tcp_fin_timeout': {
    setting: 'finWait2Timeout',
    read: integer(1, 86_400, 1000),
    range: '1…86400 s',
  },
  'net.ipv4.tcp_retries2': { setting: 'dataRetries', read: integer(0, 255), range: '0…255' },
  'net.ipv4.tcp_orphan_retries': { setting: 'orphanRetries', read: integer(0, 255), range: '0…255' },
  // Seconds in the sysctls, milliseconds in the model (RFC 1122 §4.2.3.6; Linux tcp_keepalive_timer).
  'net.ipv4.tcp_keepalive_time': {
    setting: 'keepaliveIdle',
    read: integer(1, 32_767, 1000),
    range: '1…32767 s',
  },
  'net.ipv4.tcp_keepalive_intvl': {
    setting: 'keepaliveInterval',
    read: integer(1, 32_767, 1000),
    range: '1…32767 s',
  },
  'net.ipv4.tcp_keepalive_probes': { setting: 'keepaliveProbes', read: integer(1, 127), range: '1…127' },
  'net.ipv4.tcp_sack': { setting: 'sack', read: flag, range: '0 or 1' },
  'net.ipv4.tcp_dsack': { setting: 'dsack', read: flag, range: '0 or 1' },
  'net.ipv4.tcp_timestamps': { setting: 'timestamps', read: flag, range: '0 or 1' },
  'net.ipv4.tcp_window_scaling': { setting: 'windowScaling', read: flag, range: '0 or 1' },
  // Linux's "reno" is the model's NewReno (profile field cc).
  'net.ipv4.tcp_congestion_control': {
    setting: 'cc',
    read: (text) => (text === 'reno' ? 'newreno' : text === 'cubic' ? 'cubic' : undefined),
    range: 'reno or cubic',
  },
  // 3 or 4: tail loss probes on (Linux's default 3); the model has RACK and TLP under one switch,
  // the profile's rack setting (Linux 6.18 no longer turns RACK off with tcp_recovery = 0).
  'net.ipv4.tcp_early_retrans': { setting: 'rack', read: (text) => lossProbes(text), range: '0…4' },
  'net.ipv4.tcp_slow_start_after_idle': { setting: 'slowStartAfterIdle', read: flag, range: '0 or 1' },
  // The model hands every segment to the wire on its own (no GSO/TSO): any minimum is what it does.
  'net.ipv4.tcp_min_tso_segs': { setting: 'minTsoSegs', read: integer(1, 255), range: '1…255' },
  // F-RTO (RFC 5682) is not modelled: only its absence can be asked for.
  'net.ipv4.tcp_frto': {
    setting: 'frto',
    read: (text) => (text === '0' ? 0 : undefined),
    range: '0 (F-RTO is not modelled)',
  },
  // RFC 1337 TIME-WAIT assassination hazards: 1 ignores RSTs in TIME_WAIT.
  'net.ipv4.tcp_rfc1337': { setting: 'rfc1337', read: flag, range: '0 or 1' },
  'net.ipv4.tcp_max_syn_backlog': { setting: 'maxSynBacklog', read: integer(1, 1 << 30), range: '≥ 1' },
  'net.core.somaxconn': { setting: 'somaxconn', read: integer(1, 1 << 30), range: '≥ 1' },
  // Milliseconds in the sysctl (tcp_invalid_ratelimit, RFC 5961 §7 challenge-ACK rate limit).
  'net.ipv4.tcp_invalid_ratelimit': {
    setting: 'challengeAckInterval',
    read: integer(0, 1 << 30),
    range: '≥ 0 ms',
  },
  'net.ipv4.tcp_challenge_ack_limit': {
    setting: 'challengeAckLimit',
    read: integer(0, 2 ** 31 - 1),
    range: '≥ 0',
  },
};

/** The dotted names this table knows. */
export const SUPPORTED_SYSCTLS: readonly string[] = Object.keys(RULES);

export type SysctlReading =
  | { readonly kind: 'setting'; readonly setting: SysctlSetting }
  | { readonly kind: 'bad-value'; readonly message: string }
  | { readonly kind: 'unknown' };

/** What setting a sysctl assignment makes, if we model that sysctl. */
export function readSysctl(name: string, text: string): SysctlReading {
  const rule = Object.hasOwn(RULES, name) ? RULES[name] : undefined;
  if (!rule) return { kind: 'unknown' };
  const value = rule.read(text.trim());
  if (value === undefined)
    return { kind: 'bad-value', message: `${name}=${text}: supported values are ${rule.range}` };
  return { kind: 'setting', setting: { sysctl: name, setting: rule.setting, value } };
}
