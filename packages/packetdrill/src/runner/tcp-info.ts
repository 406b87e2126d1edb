/**
 * TCP_INFO read off the simulated connection (Linux tcp_get_info, include/uapi/linux/tcp.h units:
 * times in µs, windows in segments), and `assert` statements evaluated against it.
 */
import { CongestionStates, INFINITE_SSTHRESH, seqDiff, type Tcb, type TcpState } from '@synack/core';
import type { Comparison, Operand, TcpInfoAssertion } from '../tcp-info.js';
import type { ConnectionNews } from './endpoint.js';

/** Linux's TCP_* state numbers (include/net/tcp_states.h). */
const STATE_NUMBERS: Readonly<Record<TcpState, number>> = {
  ESTABLISHED: 1,
  SYN_SENT: 2,
  SYN_RECEIVED: 3,
  FIN_WAIT_1: 4,
  FIN_WAIT_2: 5,
  TIME_WAIT: 6,
  CLOSED: 7,
  CLOSE_WAIT: 8,
  LAST_ACK: 9,
  LISTEN: 10,
  CLOSING: 11,
};

/** Linux TCP_INIT_CWND: the window before the connection reports one. */
const INIT_CWND = 10;

/** What a `%{ }%` block sees: a listening socket, a connection (live or ended), or a bare socket. */
export type InfoSource =
  | { readonly kind: 'listener' }
  | { readonly kind: 'none' }
  | { readonly kind: 'connection'; readonly tcb: Tcb | undefined; readonly news: ConnectionNews };

/** Segments in flight (tcp_packets_in_flight without SACK): each MSS of data, or a lone SYN/FIN. */
function unacked(tcb: Tcb): number {
  const bytes = seqDiff(tcb.sndMax, tcb.sndUna);
  return bytes <= 0 ? 0 : Math.ceil(bytes / Math.max(1, tcb.sendMss));
}

/** The value of one TCP_INFO field, or undefined when the source cannot have it. */
export function tcpInfoField(source: InfoSource, field: string): number | undefined {
  if (field === 'tcpi_state') {
    if (source.kind === 'listener') return STATE_NUMBERS.LISTEN;
    if (source.kind === 'none') return STATE_NUMBERS.CLOSED;
    const state = source.tcb?.state ?? source.news.state;
    // Linux hands TIME_WAIT to a mini-socket (inet_timewait_sock, tcp_time_wait → tcp_done): the
    // socket the application holds reports TCP_CLOSE.
    return state === 'TIME_WAIT' ? STATE_NUMBERS.CLOSED : STATE_NUMBERS[state];
  }
  if (source.kind !== 'connection') return 0;
  const { tcb, news } = source;
  const cc = news.cc;
  if (field === 'tcpi_ca_state') return cc ? CongestionStates.indexOf(cc.state) : 0;
  if (field === 'tcpi_snd_cwnd') return cc?.cwnd ?? INIT_CWND;
  if (field === 'tcpi_snd_ssthresh') return cc?.ssthresh ?? INFINITE_SSTHRESH;
  if (!tcb) return 0;
  switch (field) {
    case 'tcpi_retransmits':
    case 'tcpi_backoff':
      return tcb.retries;
    case 'tcpi_total_retrans':
      return Object.values(tcb.stats.retransmits).reduce((a, b) => a + b, 0);
    case 'tcpi_rto':
      return Math.round(tcb.rtt.rto * 1000);
    case 'tcpi_snd_mss':
    case 'tcpi_rcv_mss':
      return tcb.sendMss;
    case 'tcpi_unacked':
      return unacked(tcb);
    case 'tcpi_rtt':
      return Math.round((tcb.rtt.srtt ?? 0) * 1000);
    case 'tcpi_rttvar':
      return Math.round(tcb.rtt.rttvar * 1000);
    default:
      return undefined;
  }
}

function holds(a: number, op: Comparison, b: number): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    default:
      return a >= b;
  }
}

/** undefined when the assertion holds; otherwise what failed, with the fields' actual values. */
export function checkAssertion(assertion: TcpInfoAssertion, source: InfoSource): string | undefined {
  const value = (o: Operand): number | undefined =>
    o.kind === 'number' ? o.value : tcpInfoField(source, o.name);
  const values = assertion.operands.map(value);
  for (let i = 0; i < assertion.comparisons.length; i++) {
    const a = values[i];
    const b = values[i + 1];
    if (a === undefined || b === undefined || !holds(a, assertion.comparisons[i], b)) {
      const actual = assertion.operands
        .filter((o) => o.kind === 'field')
        .map((o) => `${o.kind === 'field' ? o.name : ''} = ${value(o) ?? 'unknown'}`)
        .join(', ');
      return `assertion failed: ${assertion.text} (${actual})`;
    }
  }
  return undefined;
}
