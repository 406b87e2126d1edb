/**
 * The socket API a runner drives the simulated endpoint with: each supported syscall, and for the
 * arguments that select behaviour (socket options, fcntl and send/recv flags, shutdown's how) the
 * symbols it understands. checkSyscall returns why a call is unsupported, or undefined.
 */
import type { Expr } from './ast.js';

/** Which argument (by index) may hold which symbols; `...` and plain numbers always pass. */
interface SyscallRule {
  readonly symbols?: Readonly<Record<number, readonly string[]>>;
}

const MSG_FLAGS = ['MSG_NOSIGNAL', 'MSG_DONTWAIT'];
/** send(2) flags: MSG_MORE corks that one write (Linux tcp_push with TCP_NAGLE_CORK). */
const SEND_FLAGS = [...MSG_FLAGS, 'MSG_MORE'];
const SOCKOPTS_SET = [
  'SO_REUSEADDR',
  'SO_LINGER',
  'SO_RCVBUF',
  'TCP_NODELAY',
  'TCP_CORK',
  'TCP_MAXSEG',
  'TCP_USER_TIMEOUT',
  'TCP_CONGESTION',
  'SO_KEEPALIVE',
  'TCP_KEEPIDLE',
  'TCP_KEEPINTVL',
  'TCP_KEEPCNT',
];
const SOCKOPTS_GET = ['SO_ERROR', 'SO_RCVBUF', 'TCP_MAXSEG'];
const LEVELS = ['SOL_SOCKET', 'SOL_TCP', 'IPPROTO_TCP'];
/** The congestion controls the data path will offer (RFC 5681 Reno, RFC 9438 CUBIC). */
export const CONGESTION_CONTROLS = ['reno', 'cubic'];

// long: table
const SYSCALLS: Readonly<Record<string, SyscallRule>> = {
  socket: { symbols: { 0: ['AF_INET'], 1: ['SOCK_STREAM', 'SOCK_NONBLOCK'], 2: ['IPPROTO_TCP'] } },
  setsockopt: { symbols: { 1: LEVELS, 2: SOCKOPTS_SET } },
  getsockopt: { symbols: { 1: LEVELS, 2: SOCKOPTS_GET } },
  bind: {},
  listen: {},
  accept: {},
  connect: {},
  fcntl: { symbols: { 1: ['F_GETFL', 'F_SETFL'], 2: ['O_RDWR', 'O_NONBLOCK'] } },
  read: {},
  recv: { symbols: { 3: MSG_FLAGS } },
  write: {},
  send: { symbols: { 3: SEND_FLAGS } },
  // sendto on a connected TCP socket ignores its address (Linux tcp_sendmsg): a send() with flags.
  sendto: { symbols: { 3: SEND_FLAGS } },
  shutdown: { symbols: { 1: ['SHUT_RD', 'SHUT_WR', 'SHUT_RDWR'] } },
  close: {},
  poll: {
    symbols: { 0: ['POLLIN', 'POLLOUT', 'POLLERR', 'POLLHUP', 'POLLRDHUP', 'POLLRDNORM', 'POLLWRNORM'] },
  },
};

export const SUPPORTED_SYSCALLS: readonly string[] = Object.keys(SYSCALLS);

/** Every symbol anywhere inside an expression (struct fields, arrays, `a|b`). */
function symbolsIn(expr: Expr): string[] {
  switch (expr.kind) {
    case 'symbol':
      return [expr.name];
    case 'or':
      return expr.operands.flatMap(symbolsIn);
    case 'assign':
      return symbolsIn(expr.value);
    case 'array':
      return expr.items.flatMap(symbolsIn);
    case 'struct':
      return expr.fields.flatMap(symbolsIn);
    default:
      return [];
  }
}

export function checkSyscall(name: string, args: readonly Expr[]): string | undefined {
  const rule = Object.hasOwn(SYSCALLS, name) ? SYSCALLS[name] : undefined;
  if (!rule) return `syscall ${name}() is not simulated (supported: ${SUPPORTED_SYSCALLS.join(', ')})`;
  const problems: string[] = [];
  for (const [index, allowed] of Object.entries(rule.symbols ?? {})) {
    const arg = args[Number(index)];
    const unknown = arg ? symbolsIn(arg).filter((s) => !allowed.includes(s)) : [];
    if (unknown.length > 0)
      problems.push(`${unknown.join(', ')} is not simulated (supported: ${allowed.join(', ')})`);
  }
  if (problems.length > 0) return `${name}(): ${problems.join('; ')}`;
  if (name === 'setsockopt' && args[2]?.kind === 'symbol' && args[2].name === 'TCP_CONGESTION') {
    const value = args[3];
    if (value?.kind !== 'string' || !CONGESTION_CONTROLS.includes(value.value))
      return `setsockopt(TCP_CONGESTION): only ${CONGESTION_CONTROLS.map((c) => `"${c}"`).join(' and ')} are simulated`;
  }
  return undefined;
}
