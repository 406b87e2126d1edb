import { modelTimeout } from './tcb/give-up.js';

/**
 * Timer and behaviour profiles as plain data. Every time is in virtual ms.
 * `linux` follows shared/LINUX-TCP-FACTS.md (a current kernel's defaults);
 * `rfc9293` follows the RFC text (and RFC 6298 for the RTO).
 */
export interface Profile {
  readonly name: string;
  /** RFC 6298 (2.1): RTO before any RTT sample. */
  readonly rtoInitial: number;
  readonly rtoMin: number;
  readonly rtoMax: number;
  /**
   * 'rfc6298': RTO = max(rtoMin, SRTT + max(G, 4·RTTVAR)).
   * 'linux': RTO = SRTT + max(rtoMin, 4·RTTVAR) (Linux floors RTTVAR at rto_min).
   */
  readonly rtoFormula: 'rfc6298' | 'linux';
  /** Retransmissions of a SYN before connect() fails (tcp_syn_retries). */
  readonly synRetries: number;
  /**
   * Linux ≥ 6.5 tcp_syn_linear_timeouts: this many extra SYN retransmissions
   * are added, and the first this-many retransmissions keep the initial RTO
   * (no backoff). 0 gives the classic 1, 2, 4, 8 … schedule.
   */
  readonly synLinearTimeouts: number;
  /** Retransmissions of a SYN-ACK before the half-open entry is dropped (tcp_synack_retries). */
  readonly synackRetries: number;
  /** Retransmissions of data/FIN before the connection is aborted (tcp_retries2). */
  readonly dataRetries: number;
  /** Maximum segment lifetime; TIME_WAIT lasts `timeWait`. */
  readonly msl: number;
  /** TIME_WAIT duration (2·MSL in the RFC; Linux's fixed TCP_TIMEWAIT_LEN = 60 s). */
  readonly timeWait: number;
  /** Delayed-ACK timeout; 0 acknowledges every segment at once. */
  readonly ackDelay: number;
  /** MSS we announce on our SYN (RFC 9293 §3.7.1). */
  readonly mss: number;
  /** Receive buffer, the window we advertise when empty. */
  readonly receiveBuffer: number;
  /**
   * NOT TCP — a teaching model (`synack why two-way-handshake`): a listener's connection enters
   * ESTABLISHED as soon as it sends its SYN-ACK, without waiting for the third segment.
   * Default false (absent).
   */
  readonly twoWayHandshake?: boolean;
  /**
   * A RST acceptable in SYN_RECEIVED on a passively opened connection returns it to LISTEN
   * without informing the user (RFC 9293 §3.10.7.4, second: "If this connection was initiated
   * with a passive OPEN … then return this connection to LISTEN state and return"); absent or
   * false, the half-open entry is freed silently as Linux does (tcp_check_req → embryonic_reset
   * → inet_csk_reqsk_queue_drop). The application never saw the entry either way.
   */
  readonly synReceivedRstToListen?: boolean;
  /**
   * FIN_WAIT_2 timeout for connections the application has closed (Linux tcp_fin_timeout, applied
   * to orphaned sockets via tcp_time_wait(sk, TCP_FIN_WAIT2, tmo)): when it expires the connection
   * is dropped silently. 0: off (RFC 9293 has none: FIN-WAIT-2 may last for ever).
   */
  readonly finWait2Timeout: number;
  /**
   * Replies to invalid segments (challenge ACKs, and duplicate ACKs for out-of-window segments
   * without data) at most once per this many ms per connection (Linux tcp_invalid_ratelimit,
   * __tcp_oow_rate_limited; RFC 5961 §7). 0: no limit.
   */
  readonly challengeAckInterval: number;
  /**
   * The period of the clock M in the ISN = M + F(4-tuple, secret) (RFC 6528 §3), in ns.
   * 'rfc9293': 4000 (RFC 793's 4 µs clock, 250,000 per second). 'linux': 64 (secure_tcp_seq →
   * seq_scale adds ktime_get_real_ns() >> 6 to a siphash of the 4-tuple: 15,625,000 per second,
   * the whole sequence space in about 275 s).
   */
  readonly isnClockTickNs: number;
  /**
   * Prune old half-open entries when the SYN queue is more than half full: their SYN-ACK retry
   * budget drops from synackRetries towards 2 the fewer young (never timed-out) entries there are
   * (Linux reqsk_timer_handler: "we reserve half of room for young embrions"). false: every entry
   * keeps synackRetries.
   */
  readonly synQueuePruning: boolean;
  /**
   * The SYN cookie layout (syncookies.ts). 'linux' (net/ipv4/syncookies.c): hash of the 4-tuple +
   * client ISN + a per-minute counter in the top 8 bits + (hash + MSS index) in the low 24, valid 2
   * minutes; with timestamps the SYN-ACK's TSval low 6 bits keep wscale, SACK-permitted and ECN,
   * restored from the ACK's TSecr (cookie_timestamp_decode); without them no wscale and no SACK.
   * 'rfc4987': 5 bits of 64 s slot | 3 bits MSS index | 24-bit MAC (RFC 4987 §3.6), no options.
   */
  readonly synCookies: 'linux' | 'rfc4987';
  /**
   * How TIME-WAIT treats arriving segments. 'rfc9293': §3.10.7.4 as written (text ignored, a SYN
   * gets a challenge ACK, an in-window RST that is not exact draws a challenge ACK). 'linux'
   * (tcp_timewait_state_process): any segment that is not a bare ACK or RST at RCV.NXT is answered
   * with an ACK (TCP_TW_ACK, data included), a SYN above RCV.NXT (or with a newer TSval) reopens the
   * 4-tuple when a listener exists, with ISS = old SND.NXT + 65537 (TCP_TW_SYN), and a RST not
   * exactly at RCV.NXT is dropped silently.
   */
  readonly timeWaitRules: 'rfc9293' | 'linux';
  /**
   * RFC 1337 §3 fix (Linux tcp_rfc1337): a RST that arrives in TIME-WAIT is ignored instead of
   * ending it. Linux defaults to 0 (off): the RST ends TIME-WAIT, as RFC 9293 §3.10.7.4 says.
   */
  readonly rfc1337: boolean;
  /**
   * What a zero-window probe is. 'data-octet': the octet at SND.UNA, beyond the window (RFC 9293
   * §3.8.6.1, RFC 1122 §4.2.2.17). 'empty-below-una': a zero-length ACK with SEG.SEQ = SND.UNA − 1
   * (Linux tcp_write_wakeup → tcp_xmit_probe_skb), which the peer answers with its window.
   */
  readonly zeroWindowProbe: 'data-octet' | 'empty-below-una';
  /**
   * SYN-SENT, an unacceptable ACK (answered with RST, or a RST+ACK ignored) before any SYN
   * retransmission re-arms the SYN timer to this many ms (Linux tcp_rcv_synsent_state_process:
   * TCP_TIMEOUT_MIN = 2 jiffies, 8 ms at HZ = 250). 0: off (RFC 9293 §3.10.7.3 leaves the timer).
   */
  readonly synSentInvalidAckRearm: number;
  /**
   * FIN-WAIT-1/2 after close() (not a half-close): new data is answered with a RST and the
   * connection dropped (Linux tcp_rcv_state_process, TCPAbortOnData; RFC 1122 §4.2.2.13). false:
   * RFC 9293 §3.10.7.4 processes the text as in ESTABLISHED.
   */
  readonly abortOnOrphanData: boolean;
  /**
   * close() while received data lies unread aborts the connection: <SEQ=SND.NXT><CTL=RST> (RST,ACK
   * on linux) instead of a FIN, so the peer learns the data was lost (RFC 2525 §2.17; Linux tcp_close
   * "data_was_unread" → tcp_send_active_reset; conformance/close-unread-data-rst.pkt). false: RFC
   * 9293 §3.10.4 queues the FIN as for any CLOSE.
   */
  readonly closeUnreadReset: boolean;
  /**
   * Nagle's algorithm (RFC 896; RFC 9293 §3.7.4 SHLD-7, RFC 1122 §4.2.3.4) for connections without
   * TCP_NODELAY: a segment shorter than the MSS waits while data is unacknowledged. 'rfc896': while
   * any data is unacknowledged. 'minshall' (Linux tcp_nagle_check → tcp_minshall_check): only while
   * an earlier short segment is unacknowledged, so a short tail after full-sized segments leaves at
   * once. 'off': every segment leaves as soon as the windows allow (as if TCP_NODELAY were set).
   */
  readonly nagle: 'rfc896' | 'minshall' | 'off';
  /**
   * Linux's segment sizing and PSH marking (tcb/push.ts): the MSS bounded to half the peer's largest
   * window (tcp_bound_to_half_wnd), PSH at the end of each write and, inside a long one, every half
   * max window (forced_push). false: PSH on the segment that empties the send queue.
   */
  readonly linuxPush: boolean;
  /**
   * Sender silly-window avoidance (RFC 9293 §3.8.6.2.1, tcb/sender-sws.ts): a segment shorter than
   * the MSS and than the data waiting is not sent only because the usable window is that small.
   * 'linux' (tcp_snd_wnd_test): the head segment's first MSS must fit, the MSS being bounded to half
   * the peer's largest window. 'rfc9293': unless the usable window is at least half the largest
   * window offered (Fs = 1/2). 'off': fill any usable window at once. Held data with nothing in
   * flight leaves when the persist (override) timer fires.
   */
  readonly senderSws: 'linux' | 'rfc9293' | 'off';
  /**
   * Receiver silly-window avoidance (RFC 9293 §3.8.6.2.2, tcb/receive-window.ts): the window offered
   * opens only in worthwhile steps and its right edge never moves left. 'linux' (__tcp_select_window,
   * __tcp_cleanup_rbuf): below half the buffer free, 0 under one MSS or 1/16 of the buffer; without
   * window scaling a multiple of the MSS; a read sends an update when the window at least doubles.
   * 'rfc9293': the window opens once by at least min(buffer/2, MSS). 'off': all free space at once.
   */
  readonly receiverSws: 'linux' | 'rfc9293' | 'off';
  /**
   * Which acceptable ACKs may change the send window (SND.WND). 'rfc9293' (§3.10.7.4): SND.WL1 <
   * SEG.SEQ, or SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK — a duplicate ACK may shrink the window.
   * 'linux' (tcp_may_update_window): the ACK advances SND.UNA, or SEG.SEQ > SND.WL1, or SEG.SEQ =
   * SND.WL1 and the window grows or is 0 — a smaller nonzero window with the same SEQ and ACK is
   * ignored (conformance/window-update-same-seq-smaller-ignored.pkt).
   */
  readonly sendWindowUpdate: 'linux' | 'rfc9293';

  // --- socket options (setsockopt per connection, tcb/keepalive.ts, tcb/give-up.ts); the profile gives the defaults ---
  /** SO_KEEPALIVE: probe an idle connection (RFC 1122 §4.2.3.6). Off by default on both, as the RFC requires. */
  readonly keepalive: boolean;
  /** TCP_KEEPIDLE: idle time before the first probe (tcp_keepalive_time 7200 s; RFC 1122: ≥ 2 hours). */
  readonly keepaliveIdle: number;
  /** TCP_KEEPINTVL: time between unanswered probes (tcp_keepalive_intvl 75 s). */
  readonly keepaliveInterval: number;
  /** TCP_KEEPCNT: unanswered probes before the connection is reset (tcp_keepalive_probes 9). */
  readonly keepaliveProbes: number;
  /**
   * TCP_USER_TIMEOUT (RFC 5482), ms; 0: off. Bounds how long sent data may stay unacknowledged
   * (replacing the retries2 model) and how long keepalive probes go unanswered (Linux
   * tcp_write_timeout, tcp_clamp_rto_to_user_timeout, tcp_keepalive_timer).
   */
  readonly userTimeout: number;
  /**
   * When retransmission gives up. 'count': after dataRetries retransmissions (RFC 9293 §3.8.3 R2 as
   * a count). 'elapsed': Linux retransmits_timed_out — once the time since the first retransmitted
   * segment was sent reaches what `boundary` backed-off RTOs from TCP_RTO_MIN (200 ms) would take,
   * capped at rtoMax (tcp_model_timeout: retries2 = 15 ⇒ 924.6 s), whatever the real RTO.
   */
  readonly retransmitGiveUp: 'count' | 'elapsed';
  /**
   * tcp_orphan_retries: the boundary for a connection the application closed (with 'elapsed');
   * 0 means 8 while the RTO is below rtoMax (Linux tcp_orphan_retries()).
   */
  readonly orphanRetries: number;

  // --- TCP options (options.ts: RFC 7323, RFC 2018, RFC 2883) and the ACK policy (tcb/ack-policy.ts) ---
  /** Offer timestamps on our SYN (RFC 7323 §3; Linux tcp_timestamps = 1): TSecr RTT samples and PAWS. */
  readonly timestamps: boolean;
  /** Offer the window scale option on our SYN (RFC 7323 §2; Linux tcp_window_scaling = 1). */
  readonly windowScaling: boolean;
  /**
   * Our shift count, 0–14 (RFC 7323 §2.3). Linux derives it from the largest receive buffer:
   * ilog2(max(tcp_rmem[2], rmem_max)) − 15, so 10 on Linux 6.18 with tcp_rmem[2] = 32 MiB
   * (conformance/options-syn-linux-order.pkt), 7 on kernels whose tcp_rmem[2] is 6 MiB.
   */
  readonly windowScale: number;
  /** Offer SACK-permitted on our SYN and send SACK blocks (RFC 2018; Linux tcp_sack = 1). */
  readonly sack: boolean;
  /** Report duplicate segments in a D-SACK block (RFC 2883; Linux tcp_dsack = 1). Needs sack. */
  readonly dsack: boolean;
  /**
   * Linux quick-ACK mode: at most this many immediate ACKs at connection start, after an idle
   * longer than the RTO and after a duplicate segment (TCP_MAX_QUICKACKS = 16). 0: off.
   */
  readonly quickAcks: number;
  /**
   * Round the window on our SYN down to a multiple of the MSS, cap the advertised window there and
   * grow it by full-sized segments (Linux tcp_select_initial_window, rcv_ssthresh, tcp_grow_window).
   */
  readonly roundInitialWindow: boolean;

  // --- congestion control and loss recovery (congestion/, loss/) ---
  /**
   * Congestion-control algorithm: 'cubic' (RFC 9438, Linux's default tcp_congestion_control) or
   * 'newreno' (RFC 5681 slow start and congestion avoidance, RFC 6582 fast recovery).
   */
  readonly cc: 'newreno' | 'cubic';
  /** Initial congestion window in segments (RFC 6928 IW10; RFC 5681 §3.1: 3 for an SMSS of 1460). */
  readonly initialWindow: number;
  /**
   * Restart from the initial window after an idle period longer than the RTO (RFC 5681 §4.1;
   * Linux tcp_slow_start_after_idle=1, tcp_cwnd_restart).
   */
  readonly slowStartAfterIdle: boolean;
  /**
   * RFC 8985 RACK-TLP loss detection (time-based marking and tail loss probes, Linux's default);
   * false: RFC 6675 / RFC 6582 duplicate-ACK threshold (DupThresh 3) only.
   */
  readonly rack: boolean;
  /**
   * RFC 6937 proportional rate reduction during fast recovery (Linux tcp_cwnd_reduction); false:
   * cwnd = ssthresh on entering recovery (RFC 6675 §5 (4.2), RFC 6582 §3.2 step 2 in packets).
   */
  readonly prr: boolean;
}

export const linuxProfile: Profile = Object.freeze({
  name: 'linux',
  rtoInitial: 1000,
  rtoMin: 200,
  rtoMax: 120_000,
  rtoFormula: 'linux',
  synRetries: 6,
  synLinearTimeouts: 4,
  synackRetries: 5,
  dataRetries: 15,
  msl: 30_000,
  timeWait: 60_000,
  ackDelay: 40,
  mss: 1460,
  receiveBuffer: 65_535,
  finWait2Timeout: 60_000,
  challengeAckInterval: 500,
  isnClockTickNs: 64,
  synQueuePruning: true,
  synCookies: 'linux',
  timeWaitRules: 'linux',
  rfc1337: false,
  zeroWindowProbe: 'empty-below-una',
  synSentInvalidAckRearm: 8,
  abortOnOrphanData: true,
  closeUnreadReset: true,
  nagle: 'minshall',
  keepalive: false,
  keepaliveIdle: 7_200_000,
  keepaliveInterval: 75_000,
  keepaliveProbes: 9,
  userTimeout: 0,
  retransmitGiveUp: 'elapsed',
  orphanRetries: 0,
  linuxPush: true,
  senderSws: 'linux',
  receiverSws: 'linux',
  sendWindowUpdate: 'linux',
  timestamps: true,
  windowScaling: true,
  windowScale: 10,
  sack: true,
  dsack: true,
  quickAcks: 16,
  roundInitialWindow: true,
  cc: 'cubic',
  initialWindow: 10,
  slowStartAfterIdle: true,
  rack: true,
  prr: true,
});

export const rfc9293Profile: Profile = Object.freeze({
  name: 'rfc9293',
  rtoInitial: 1000,
  // RFC 6298 (2.4): "Whenever RTO is computed, if it is less than 1 second, then the RTO SHOULD be rounded up to 1 second."
  rtoMin: 1000,
  rtoMax: 60_000,
  rtoFormula: 'rfc6298',
  // RFC 9293 §3.8.3 (R2 for a SYN "at least 3 minutes"): 1+2+4+8+16+32+60+60 = 183 s.
  synRetries: 7,
  synLinearTimeouts: 0,
  synackRetries: 7,
  // R2 "at least 100 seconds": 15 backed-off retransmissions comfortably exceed it.
  dataRetries: 15,
  // RFC 9293 §3.4.2: MSL = 2 minutes; TIME-WAIT = 2·MSL.
  msl: 120_000,
  timeWait: 240_000,
  ackDelay: 0,
  mss: 1460,
  receiveBuffer: 65_535,
  finWait2Timeout: 0,
  challengeAckInterval: 0,
  isnClockTickNs: 4000,
  synReceivedRstToListen: true,
  synQueuePruning: false,
  synCookies: 'rfc4987',
  timeWaitRules: 'rfc9293',
  // RFC 9293 §3.10.7.4 second check: "TIME-WAIT STATE: If the RST bit is set, ... enter CLOSED".
  rfc1337: false,
  zeroWindowProbe: 'data-octet',
  synSentInvalidAckRearm: 0,
  abortOnOrphanData: false,
  closeUnreadReset: false,
  // RFC 9293 §3.7.4: "A TCP implementation SHOULD implement the Nagle algorithm" (SHLD-7).
  nagle: 'rfc896',
  // RFC 1122 §4.2.3.6: keep-alives MUST default to off, the interval to no less than two hours.
  keepalive: false,
  keepaliveIdle: 7_200_000,
  keepaliveInterval: 75_000,
  keepaliveProbes: 9,
  userTimeout: 0,
  retransmitGiveUp: 'count',
  orphanRetries: 15,
  linuxPush: false,
  // RFC 9293 §3.8.6.2.1: "A TCP implementation MUST include a SWS avoidance algorithm in the sender".
  senderSws: 'rfc9293',
  // §3.8.6.2.2: "A TCP implementation MUST include a SWS avoidance algorithm in the receiver".
  receiverSws: 'rfc9293',
  // §3.10.7.4: "If SND.UNA =< SEG.ACK =< SND.NXT, the send window should be updated. If (SND.WL1 <
  // SEG.SEQ or (SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK)), set SND.WND <- SEG.WND".
  sendWindowUpdate: 'rfc9293',
  // RFC 9293 alone requires only the MSS option (§3.7.1); the others are settings to switch on.
  timestamps: false,
  windowScaling: false,
  windowScale: 7,
  sack: false,
  dsack: false,
  quickAcks: 0,
  roundInitialWindow: false,
  cc: 'newreno',
  // RFC 5681 §3.1: IW = min(4·SMSS, max(2·SMSS, 4380 bytes)) = 3 segments of 1460 bytes.
  initialWindow: 3,
  slowStartAfterIdle: true,
  rack: false,
  prr: false,
});

export const profiles: Readonly<Record<string, Profile>> = Object.freeze({
  linux: linuxProfile,
  rfc9293: rfc9293Profile,
});

export type ProfileName = 'linux' | 'rfc9293';

/** The profile fields an application may change per connection (setsockopt; tcb/keepalive.ts). */
export const PROFILE_SOCKET_OPTIONS = [
  'keepalive',
  'keepaliveIdle',
  'keepaliveInterval',
  'keepaliveProbes',
  'userTimeout',
] as const satisfies ReadonlyArray<keyof Profile>;

export type ProfileSocketOptions = Pick<Profile, (typeof PROFILE_SOCKET_OPTIONS)[number]>;

export function getProfile(name: string, overrides: Partial<Profile> = {}): Profile {
  const base = profiles[name];
  if (!base)
    throw new Error(`unknown profile "${name}" (expected one of: ${Object.keys(profiles).join(', ')})`);
  return Object.freeze({ ...base, ...overrides });
}

/**
 * RTO before the (n+1)-th transmission of a SYN, n = 0 for the first wait.
 * Linux ≥ 6.5 keeps the initial RTO for the first `synLinearTimeouts`
 * retransmissions, then backs off exponentially from there.
 */
export function synTimeout(profile: Profile, n: number): number {
  const linear = profile.synLinearTimeouts;
  const exponent = Math.max(0, n - linear);
  return Math.min(profile.rtoMax, profile.rtoInitial * 2 ** exponent);
}

/** Total SYN retransmissions before connect() fails. */
export function synRetransmissions(profile: Profile): number {
  return profile.synRetries + profile.synLinearTimeouts;
}

/** Time from the first SYN until connect() fails with a timeout. */
export function connectTimeout(profile: Profile): number {
  let total = 0;
  for (let n = 0; n <= synRetransmissions(profile); n++) total += synTimeout(profile, n);
  return total;
}

/** RTO before the (n+1)-th transmission of a SYN-ACK (plain exponential backoff). */
export function synackTimeout(profile: Profile, n: number): number {
  return Math.min(profile.rtoMax, profile.rtoInitial * 2 ** n);
}

/** How long a half-open (SYN_RECEIVED) entry lives when no ACK ever comes. */
export function halfOpenLifetime(profile: Profile): number {
  let total = 0;
  for (let n = 0; n <= profile.synackRetries; n++) total += synackTimeout(profile, n);
  return total;
}

/**
 * How long one connection can live under this profile before every timer has given up: the
 * slowest handshake that still succeeds, the longest wait before data (or keepalive) gives up,
 * the longest close (FIN retransmissions of an orphan, or FIN_WAIT_2), then TIME_WAIT. An upper
 * bound, not a timeline: each retransmission wait is taken at its largest (rtoMax). A run's
 * default virtual-time limit must cover it, or a connection on a lossy path is cut off by the
 * limit instead of ending by its own rules (issue 22).
 */
export function worstCaseLifetime(profile: Profile): number {
  const handshake = Math.max(connectTimeout(profile), halfOpenLifetime(profile));
  const established = Math.max(
    retransmissionGiveUpBound(profile, profile.dataRetries),
    profile.keepalive ? profile.keepaliveIdle + profile.keepaliveInterval * profile.keepaliveProbes : 0,
  );
  // Linux tcp_orphan_retries(): 0 means 8 (give-up.ts orphanBoundary).
  const orphanRetries = profile.orphanRetries === 0 ? 8 : profile.orphanRetries;
  const closing = Math.max(retransmissionGiveUpBound(profile, orphanRetries), profile.finWait2Timeout);
  return handshake + established + closing + profile.timeWait;
}

/**
 * Upper bound on the time from a segment's first transmission until its retransmission gives up
 * after `retries` (RFC 9293 §3.8.3 R2): counted (each wait at most rtoMax), or Linux's elapsed
 * model (tcp_model_timeout from the first retransmission, which comes at most rtoMax after the
 * send, plus the RTO that must fire to notice), or TCP_USER_TIMEOUT in its place.
 */
function retransmissionGiveUpBound(profile: Profile, retries: number): number {
  if (profile.userTimeout > 0) return profile.rtoMax + profile.userTimeout + profile.rtoMax;
  if (profile.retransmitGiveUp === 'count') return (retries + 1) * profile.rtoMax;
  return profile.rtoMax + modelTimeout(retries, profile.rtoMax) + profile.rtoMax;
}
