/**
 * The part of `%{ … }%` blocks a simulated endpoint can answer: assertions comparing TCP_INFO
 * fields (struct tcp_info, include/uapi/linux/tcp.h) with numbers or Linux constants, e.g.
 *
 *   assert tcpi_state == TCP_ESTABLISHED, tcpi_state
 *   assert 200000 <= tcpi_rto <= 230000
 *
 * A statement in any other form (arithmetic, bit masks, other fields, print …) is unsupported.
 */
import type { SourcePos } from './ast.js';
import { positionIn } from './shell.js';

/** The TCP_INFO fields a runner reads from the model; units as in struct tcp_info. */
export const TCP_INFO_FIELDS: Readonly<Record<string, string>> = {
  tcpi_state: 'connection state (TCP_ESTABLISHED …)',
  tcpi_ca_state: 'congestion-control state (TCP_CA_Open …)',
  tcpi_retransmits: 'consecutive retransmissions of the oldest unacknowledged segment',
  tcpi_backoff: 'RTO backoff exponent',
  tcpi_total_retrans: 'retransmissions over the connection’s life',
  tcpi_rto: 'retransmission timeout, µs',
  tcpi_snd_mss: 'send MSS, bytes',
  tcpi_rcv_mss: 'receive MSS estimate, bytes',
  tcpi_unacked: 'segments in flight',
  tcpi_rtt: 'smoothed RTT, µs',
  tcpi_rttvar: 'RTT variation, µs',
  tcpi_snd_ssthresh: 'slow-start threshold, segments',
  tcpi_snd_cwnd: 'congestion window, segments',
};

/** Linux's values: enum in include/net/tcp_states.h and enum tcp_ca_state in include/uapi/linux/tcp.h. */
export const TCP_INFO_CONSTANTS: Readonly<Record<string, number>> = {
  TCP_ESTABLISHED: 1,
  TCP_SYN_SENT: 2,
  TCP_SYN_RECV: 3,
  TCP_FIN_WAIT1: 4,
  TCP_FIN_WAIT2: 5,
  TCP_TIME_WAIT: 6,
  TCP_CLOSE: 7,
  TCP_CLOSE_WAIT: 8,
  TCP_LAST_ACK: 9,
  TCP_LISTEN: 10,
  TCP_CLOSING: 11,
  TCP_CA_Open: 0,
  TCP_CA_Disorder: 1,
  TCP_CA_CWR: 2,
  TCP_CA_Recovery: 3,
  TCP_CA_Loss: 4,
};

export type Comparison = '==' | '!=' | '<' | '<=' | '>' | '>=';
export type Operand =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'number'; readonly value: number; readonly text: string };

/** `assert a OP b [OP c …]`: each adjacent pair must hold (Python's chained comparison). */
export interface TcpInfoAssertion extends SourcePos {
  readonly text: string;
  readonly operands: readonly Operand[];
  readonly comparisons: readonly Comparison[];
}

export type CodeStatement =
  | ({ readonly kind: 'assert' } & TcpInfoAssertion)
  | ({ readonly kind: 'unsupported'; readonly text: string; readonly reason: string } & SourcePos);

/** The statements of one code block; `at` is where its `%{` is. */
export function readCodeBlock(code: string, at: SourcePos): CodeStatement[] {
  const statements: CodeStatement[] = [];
  let offset = 0;
  for (const raw of code.split('\n')) {
    const text = raw.trim();
    if (text !== '' && !text.startsWith('#'))
      statements.push(readStatement(text, positionIn(code, offset + raw.indexOf(text), at, 2)));
    offset += raw.length + 1;
  }
  return statements;
}

const ASSERT = /^assert\s+(.+?)(?:\s*,.*)?$/s;
const COMPARISON = /\s*(==|!=|<=|>=|<|>)\s*/;

function readStatement(text: string, at: SourcePos): CodeStatement {
  const m = ASSERT.exec(text);
  if (!m)
    return {
      kind: 'unsupported',
      ...at,
      text,
      reason: 'only "assert <tcpi_field> <comparison> <value>" is supported',
    };
  const parts = m[1].split(COMPARISON);
  const operands: Operand[] = [];
  const comparisons: Comparison[] = [];
  for (let i = 0; i < parts.length; i++) {
    if (i % 2 === 1) {
      comparisons.push(parts[i] as Comparison);
      continue;
    }
    const operand = readOperand(parts[i].trim());
    if (typeof operand === 'string') return { kind: 'unsupported', ...at, text, reason: operand };
    operands.push(operand);
  }
  if (comparisons.length === 0)
    return { kind: 'unsupported', ...at, text, reason: 'an assertion must compare (==, !=, <, <=, >, >=)' };
  if (!operands.some((o) => o.kind === 'field'))
    return { kind: 'unsupported', ...at, text, reason: 'an assertion must read a tcpi_ field' };
  return { kind: 'assert', ...at, text, operands, comparisons };
}

/** A field, an integer or a constant; a string is the reason it is none of these. */
function readOperand(text: string): Operand | string {
  if (/^-?\d+$/.test(text)) return { kind: 'number', value: Number(text), text };
  if (Object.hasOwn(TCP_INFO_FIELDS, text)) return { kind: 'field', name: text };
  if (Object.hasOwn(TCP_INFO_CONSTANTS, text))
    return { kind: 'number', value: TCP_INFO_CONSTANTS[text], text };
  if (/^tcpi_\w+$/.test(text))
    return `TCP_INFO field ${text} is not modelled (supported: ${Object.keys(TCP_INFO_FIELDS).join(', ')})`;
  return `'${text}' is not a supported TCP_INFO field, number or constant`;
}
