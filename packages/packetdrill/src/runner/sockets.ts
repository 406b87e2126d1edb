/**
 * The socket layer over the simulated host: file descriptors, and what each supported syscall does
 * to the host and returns. Linux behaviour that lives in the socket layer rather than in the TCP
 * state machine is modelled here (tcp_close: unread data or SO_LINGER 0 aborts with RST).
 */

import type { SocketOptions } from '@synack/core';
import type { Expr, SyscallEvent } from '../ast.js';
import { type ConnectionNews, REMOTE_IP, type SimulatedEndpoint } from './endpoint.js';
import { intOf, itemsOf, structOf, symbolsOf } from './values.js';

/** A syscall's return: a value, and the errno name when the value is -1. */
export interface SyscallReturn {
  readonly value: number;
  readonly errno?: string;
  /** A mismatch the call itself detects (getsockopt's and poll's output arguments). */
  readonly mismatch?: string;
}

/** Done now, or blocked: `poll` answers once the call can return (undefined while it cannot). */
export type SyscallOutcome =
  | { readonly kind: 'done'; readonly result: SyscallReturn }
  | { readonly kind: 'blocked'; readonly poll: () => SyscallReturn | undefined }
  | { readonly kind: 'unsupported'; readonly message: string };

interface Socket {
  readonly fd: number;
  nonblocking: boolean;
  listenPort?: number;
  conn?: string;
  /** SO_LINGER: undefined when off, else the linger time in ms (0: close() aborts with RST). */
  linger: number | undefined;
  /** TCP_NODELAY, TCP_CORK, keepalive and TCP_USER_TIMEOUT as set on this socket (core SocketOptions); a listener's pass to accepted sockets. */
  options: Partial<SocketOptions>;
  shutWrite: boolean;
  /** shutdown(SHUT_RD): read() returns 0 once the buffer is empty (Linux RCV_SHUTDOWN). */
  shutRead: boolean;
  /** connect() was called (a second one reports EALREADY / EISCONN like Linux). */
  connecting: boolean;
  /** SO_ERROR, read and cleared once (sock_error). */
  errorReported: boolean;
}

/** SO_LINGER's l_linger is an int of seconds; bounded so virtual time stays finite (a day). */
const LINGER_MAX_SECONDS = 86_400;

interface ConnectionOption {
  readonly field: keyof SocketOptions;
  readonly min: number;
  readonly max: number;
  /** Model ms per unit of the option (seconds for TCP_KEEP*). */
  readonly scale: number;
}

/** Linux's bounds (tcp_sock_set_keepidle_locked: 1…MAX_TCP_KEEPIDLE, MAX_TCP_KEEPCNT 127). */
const CONNECTION_OPTIONS: Readonly<Record<string, ConnectionOption>> = {
  SO_KEEPALIVE: { field: 'keepalive', min: -(2 ** 31), max: 2 ** 31 - 1, scale: 1 },
  TCP_KEEPIDLE: { field: 'keepaliveIdle', min: 1, max: 32_767, scale: 1000 },
  TCP_KEEPINTVL: { field: 'keepaliveInterval', min: 1, max: 32_767, scale: 1000 },
  TCP_KEEPCNT: { field: 'keepaliveProbes', min: 1, max: 127, scale: 1 },
  TCP_USER_TIMEOUT: { field: 'userTimeout', min: 0, max: 2 ** 31 - 1, scale: 1 },
};

/** net.core.rmem_max (Linux default): SO_RCVBUF asks for at most this much. */
const RMEM_MAX = 212_992;
/** SOCK_MIN_RCVBUF: 2 × TCP_SKB_MIN_TRUESIZE (2048 + the 256-byte struct sk_buff). */
const SOCK_MIN_RCVBUF = 4_608;

/**
 * The model's receive buffer (payload bytes) for SO_RCVBUF `requested`: Linux stores
 * sk_rcvbuf = max(2 · min(requested, rmem_max), SOCK_MIN_RCVBUF) (__sock_set_rcvbuf; the doubling
 * pays for skb overhead) and offers tcp_win_from_space(sk_rcvbuf) = sk_rcvbuf · scaling_ratio / 256,
 * where scaling_ratio starts at 128: half of it. The model counts payload, so it gets that half.
 * (Linux later re-measures scaling_ratio as payload/truesize of arriving skbs: the window matches
 * only while that stays 1/2; conformance/sws-receiver-*.pkt explain how they keep it so.)
 */
export function receiveBufferOf(requested: number): number {
  const rcvbuf = Math.max(2 * Math.max(0, Math.min(requested, RMEM_MAX)), SOCK_MIN_RCVBUF);
  return rcvbuf / 2;
}

/** packetdrill's default ports (--bind_port / --connect_port). */
export const BIND_PORT = 8080;
export const CONNECT_PORT = 8080;

const ok = (value: number): SyscallOutcome => ({ kind: 'done', result: { value } });
const fail = (errno: string): SyscallOutcome => ({ kind: 'done', result: { value: -1, errno } });

/** send()/sendto() flags with MSG_MORE, by name or as a number (0x8000). */
function sendsMore(flags: Expr | undefined): boolean {
  return symbolsOf(flags).includes('MSG_MORE') || ((intOf(flags) ?? 0) & 0x8000) !== 0;
}

/** Linux errno of a connection that ended or failed (tcp_reset, tcp_write_err). */
function errnoOf(news: ConnectionNews): string | undefined {
  if (news.closedReason === 'refused') return 'ECONNREFUSED';
  if (news.closedReason === 'timeout') return 'ETIMEDOUT';
  if (news.closedReason === 'reset' || news.error === 'connection reset') return 'ECONNRESET';
  if (news.closedReason === 'aborted') return 'ECONNRESET';
  return undefined;
}

export class SocketLayer {
  private readonly sockets = new Map<number, Socket>();
  /** The socket a `%{ }%` block reads TCP_INFO from: the last one created or accepted. */
  current: number | undefined;

  constructor(private readonly sut: SimulatedEndpoint) {}

  connOf(fd: number | undefined): string | undefined {
    return fd === undefined ? undefined : this.sockets.get(fd)?.conn;
  }

  isListening(fd: number | undefined): boolean {
    return fd !== undefined && this.sockets.get(fd)?.listenPort !== undefined;
  }

  /** Runs one syscall event; never throws on bad arguments (they are EBADF / EINVAL like Linux). */
  call(event: SyscallEvent): SyscallOutcome {
    const { name, args } = event;
    if (name === 'socket') return this.socket(args);
    const socket = this.sockets.get(intOf(args[0]) ?? -1);
    if (name === 'poll') return this.poll(args);
    if (!socket) return fail('EBADF');
    switch (name) {
      case 'setsockopt':
        return this.setsockopt(socket, args);
      case 'getsockopt':
        return this.getsockopt(socket, args);
      case 'bind':
        return ok(0);
      case 'listen':
        return this.listen(socket, intOf(args[1]) ?? 128);
      case 'accept':
        return this.accept(socket);
      case 'connect':
        return this.connect(socket);
      case 'fcntl':
        return this.fcntl(socket, args);
      case 'write':
        return this.write(socket, intOf(args[2]) ?? 0, false);
      case 'send':
      case 'sendto':
        return this.write(socket, intOf(args[2]) ?? 0, sendsMore(args[3]));
      case 'read':
      case 'recv':
        return this.read(socket, intOf(args[2]) ?? 0, symbolsOf(args[3]).includes('MSG_DONTWAIT'));
      case 'shutdown':
        return this.shutdown(socket, intOf(args[1]) ?? -1);
      case 'close':
        return this.close(socket);
      default:
        return { kind: 'unsupported', message: `syscall ${name}() is not simulated` };
    }
  }

  private newSocket(nonblocking: boolean, options: Partial<SocketOptions> = {}): Socket {
    let fd = 3;
    while (this.sockets.has(fd)) fd++;
    const socket: Socket = {
      fd,
      nonblocking,
      linger: undefined,
      options: { ...options },
      shutWrite: false,
      shutRead: false,
      connecting: false,
      errorReported: false,
    };
    this.sockets.set(fd, socket);
    this.current = fd;
    return socket;
  }

  private socket(args: readonly Expr[]): SyscallOutcome {
    return ok(this.newSocket(symbolsOf(args[1]).includes('SOCK_NONBLOCK')).fd);
  }

  private setsockopt(socket: Socket, args: readonly Expr[]): SyscallOutcome {
    const option = args[2]?.kind === 'symbol' ? args[2].name : '';
    const connectionOption = CONNECTION_OPTIONS[option];
    if (connectionOption) return this.connectionOption(socket, connectionOption, intOf(args[3]));
    if (option === 'SO_LINGER') {
      const linger = structOf(args[3]);
      const seconds = Math.max(0, Math.min(linger.linger ?? 0, LINGER_MAX_SECONDS));
      socket.linger = linger.onoff ? seconds * 1000 : undefined;
    } else if (option === 'TCP_MAXSEG') {
      // Linux: TCP_MAXSEG before connect/listen clamps the MSS we announce (tp->rx_opt.user_mss).
      const mss = intOf(args[3]);
      if (mss === undefined || mss < 88 || mss > 32767) return fail('EINVAL');
      if (!this.sut.override('mss', mss))
        return { kind: 'unsupported', message: 'TCP_MAXSEG after the endpoint started is not simulated' };
    } else if (option === 'SO_RCVBUF') {
      const requested = intOf(args[3]);
      if (requested === undefined) return fail('EINVAL');
      if (!this.sut.override('receiveBuffer', receiveBufferOf(requested)))
        return { kind: 'unsupported', message: 'SO_RCVBUF after the endpoint started is not simulated' };
    } else if (option === 'TCP_NODELAY' || option === 'TCP_CORK') {
      const on = intOf(args[3]);
      if (on === undefined) return fail('EINVAL');
      this.setOption(socket, option === 'TCP_NODELAY' ? { nodelay: on !== 0 } : { cork: on !== 0 });
    } else if (option === 'TCP_CONGESTION' && args[3]?.kind === 'string') {
      // Linux's "reno" is the model's NewReno (profile field cc).
      const cc = args[3].value === 'reno' ? 'newreno' : args[3].value;
      if (cc === 'newreno' || cc === 'cubic') this.sut.override('cc', cc);
    }
    // SO_REUSEADDR: accepted; see CONFORMANCE.md for what is modelled.
    return ok(0);
  }

  /** SO_KEEPALIVE, TCP_KEEPIDLE/INTVL/CNT, TCP_USER_TIMEOUT: bounded like Linux, then handed to the connection. */
  private connectionOption(
    socket: Socket,
    rule: ConnectionOption,
    value: number | undefined,
  ): SyscallOutcome {
    if (value === undefined || value < rule.min || value > rule.max) return fail('EINVAL');
    this.setOption(socket, { [rule.field]: rule.field === 'keepalive' ? value !== 0 : value * rule.scale });
    return ok(0);
  }

  /** Records a TCP_NODELAY / TCP_CORK change and hands it to the connection, if there is one yet. */
  private setOption(socket: Socket, options: Partial<SocketOptions>): void {
    Object.assign(socket.options, options);
    if (socket.conn && this.sut.get().snapshotOf(socket.conn))
      this.sut.get().setSocketOptions(socket.conn, options);
  }

  /** A new connection takes the options set on its socket before (or, accepted, on the listener). */
  private applyOptions(socket: Socket): void {
    if (socket.conn && Object.keys(socket.options).length > 0)
      this.sut.get().setSocketOptions(socket.conn, socket.options);
  }

  private getsockopt(socket: Socket, args: readonly Expr[]): SyscallOutcome {
    const option = args[2]?.kind === 'symbol' ? args[2].name : '';
    let actual = 0;
    if (option === 'SO_ERROR') {
      const news = socket.conn ? this.sut.newsOf(socket.conn) : undefined;
      const errno = news && !socket.errorReported ? errnoOf(news) : undefined;
      if (errno) socket.errorReported = true;
      actual = errno ? (ERRNO_VALUES[errno] ?? 0) : 0;
    } else if (option === 'SO_RCVBUF') {
      // Linux reports sk_rcvbuf: twice the window space (receiveBufferOf).
      actual = 2 * this.sut.profile().receiveBuffer;
    } else if (option === 'TCP_MAXSEG') {
      const snapshot = socket.conn ? this.sut.get().snapshotOf(socket.conn) : undefined;
      actual = snapshot ? snapshot.context.sendMss : this.sut.profile().mss;
    }
    const expected = intOf(args[3]);
    const mismatch =
      expected !== undefined && expected !== actual
        ? `getsockopt ${option}: expected ${expected}, actual ${actual}`
        : undefined;
    return { kind: 'done', result: { value: 0, mismatch } };
  }

  private listen(socket: Socket, backlog: number): SyscallOutcome {
    if (socket.conn) return fail('EINVAL');
    if (socket.listenPort !== undefined) return ok(0);
    const host = this.sut.get();
    const backlogBounded = Math.max(1, Math.min(backlog, 4096));
    const syncookies = this.sut.listenSetting('syncookies');
    host.listen(BIND_PORT, {
      backlog: backlogBounded,
      // Linux's accept queue is full only when it holds more than the backlog (sk_acceptq_is_full).
      acceptQueue: backlogBounded + 1,
      autoAccept: false,
      ...(syncookies === 0 || syncookies === 1 || syncookies === 2 ? { syncookies } : {}),
    });
    socket.listenPort = BIND_PORT;
    return ok(0);
  }

  private accept(socket: Socket): SyscallOutcome {
    if (socket.listenPort === undefined) return fail('EINVAL');
    const port = socket.listenPort;
    const take = (): SyscallReturn | undefined => {
      const conn = this.sut.get().accept(port);
      if (conn === undefined) return undefined;
      // Linux sk_clone_lock copies tp->nonagle, SOCK_KEEPOPEN, keepalive times and the user timeout:
      // an accepted socket inherits TCP_NODELAY, TCP_CORK, keepalive and TCP_USER_TIMEOUT.
      const accepted = this.newSocket(false, socket.options);
      accepted.conn = conn;
      this.applyOptions(accepted);
      return { value: accepted.fd };
    };
    const now = take();
    if (now) return { kind: 'done', result: now };
    if (socket.nonblocking) return fail('EAGAIN');
    return { kind: 'blocked', poll: take };
  }

  private connect(socket: Socket): SyscallOutcome {
    if (socket.conn) {
      const news = this.sut.newsOf(socket.conn);
      if (news.connected) return fail('EISCONN');
      const errno = errnoOf(news);
      if (errno) return fail(errno);
      return fail('EALREADY');
    }
    const conn = this.sut.get().connect({ addr: REMOTE_IP, port: CONNECT_PORT });
    socket.conn = conn;
    socket.connecting = true;
    this.applyOptions(socket);
    if (socket.nonblocking) return fail('EINPROGRESS');
    const news = this.sut.newsOf(conn);
    return {
      kind: 'blocked',
      poll: () => {
        if (news.connected) return { value: 0 };
        const errno = errnoOf(news);
        return errno ? { value: -1, errno } : undefined;
      },
    };
  }

  private fcntl(socket: Socket, args: readonly Expr[]): SyscallOutcome {
    const command = args[1]?.kind === 'symbol' ? args[1].name : '';
    if (command === 'F_GETFL') return ok(2 | (socket.nonblocking ? 0o4000 : 0));
    if (command === 'F_SETFL') socket.nonblocking = symbolsOf(args[2]).includes('O_NONBLOCK');
    return ok(0);
  }

  /** write()/send(): `more` is MSG_MORE, which corks this one write (core tcb/nagle.ts). */
  private write(socket: Socket, bytes: number, more: boolean): SyscallOutcome {
    if (!socket.conn) return fail('EPIPE');
    const news = this.sut.newsOf(socket.conn);
    const errno = errnoOf(news);
    if (errno || socket.shutWrite || !this.sut.get().snapshotOf(socket.conn)) {
      if (errno && !socket.errorReported) {
        socket.errorReported = true;
        return fail(errno);
      }
      return fail('EPIPE');
    }
    const length = Math.max(0, Math.min(bytes, 1 << 24));
    if (this.sut.get().snapshotOf(socket.conn)?.value === 'SYN_SENT') {
      // Before the handshake completes Linux's write waits (sk_stream_wait_connect; EAGAIN when
      // non-blocking). A waiting writer (sk_write_pending) makes the SYN-ACK's ACK wait for its
      // data (tcp_rcv_synsent_state_process): the core queues the SEND in SYN-SENT and lets it
      // ride on the third segment (RFC 9293 §3.10.7.3). conformance/connect-data-on-third-ack.pkt.
      if (socket.nonblocking) return fail('EAGAIN');
      this.sut.get().send(socket.conn, new Uint8Array(length), { more });
      return {
        kind: 'blocked',
        poll: () => {
          if (news.connected) return { value: length };
          const failure = errnoOf(news);
          return failure ? { value: -1, errno: failure } : undefined;
        },
      };
    }
    this.sut.get().send(socket.conn, new Uint8Array(length), { more });
    return ok(length);
  }

  private read(socket: Socket, bytes: number, dontWait: boolean): SyscallOutcome {
    if (!socket.conn) return fail('ENOTCONN');
    const news = this.sut.newsOf(socket.conn);
    const conn = socket.conn;
    const take = (): SyscallReturn | undefined => {
      // The connection hands over at most `bytes` (core RECEIVE): what stays keeps the window small.
      if (!news.bufferTaken && this.sut.get().snapshotOf(conn))
        this.sut.get().receive(conn, Math.max(0, bytes));
      if (news.unread > 0) {
        const n = Math.min(news.unread, Math.max(0, bytes));
        news.unread -= n;
        return { value: n };
      }
      const errno = errnoOf(news);
      if (errno && !socket.errorReported) {
        socket.errorReported = true;
        return { value: -1, errno };
      }
      if (news.peerClosed || errno || socket.shutRead) return { value: 0 };
      return undefined;
    };
    const now = take();
    if (now) return { kind: 'done', result: now };
    if (socket.nonblocking || dontWait) return fail('EAGAIN');
    return { kind: 'blocked', poll: take };
  }

  private shutdown(socket: Socket, how: number): SyscallOutcome {
    if (!socket.conn) return fail('ENOTCONN');
    // SHUT_RD sends nothing (Linux only marks the socket); SHUT_WR and SHUT_RDWR send our FIN.
    if ((how === 1 || how === 2) && !socket.shutWrite) {
      socket.shutWrite = true;
      if (this.sut.get().snapshotOf(socket.conn)) this.sut.get().close(socket.conn);
    } else if (how < 0 || how > 2) return fail('EINVAL');
    if (how === 0 || how === 2) socket.shutRead = true;
    return ok(0);
  }

  private close(socket: Socket): SyscallOutcome {
    this.sockets.delete(socket.fd);
    if (this.current === socket.fd) this.current = undefined;
    const host = this.sut.get();
    if (socket.listenPort !== undefined) {
      // Linux inet_csk_listen_stop: connections nobody accepted are reset.
      for (let conn = host.accept(socket.listenPort); conn; conn = host.accept(socket.listenPort))
        if (host.snapshotOf(conn)) host.abort(conn);
      host.unlisten(socket.listenPort);
      return ok(0);
    }
    if (!socket.conn || !host.snapshotOf(socket.conn)) return ok(0);
    const news = this.sut.newsOf(socket.conn);
    // close() orphans the connection (Linux RCV_SHUTDOWN): data arriving later in FIN_WAIT gets a RST.
    // The core decides Linux tcp_close's aborts: unread data (profile.closeUnreadReset), SO_LINGER 0.
    const lingerZero = socket.linger === 0;
    if (this.sut.unreadOf(socket.conn) > 0 || lingerZero || !socket.shutWrite)
      host.close(socket.conn, { orphan: true, unread: news.unread, lingerZero });
    return socket.linger ? this.lingerOnClose(socket.conn, socket.linger) : ok(0);
  }

  /**
   * SO_LINGER with a timeout: close() blocks until our FIN is acknowledged (the state leaves
   * FIN_WAIT_1, CLOSING and LAST_ACK) or the linger time passes, whichever comes first; either way
   * it returns 0 and the connection goes on as after any close() (Linux tcp_close →
   * sk_stream_wait_close; nothing different leaves the wire).
   */
  private lingerOnClose(conn: string, lingerMs: number): SyscallOutcome {
    const clock = this.sut.clock;
    const deadline = clock.now() + lingerMs;
    const draining = (): boolean => {
      const state = this.sut.get().snapshotOf(conn)?.value;
      return state === 'FIN_WAIT_1' || state === 'CLOSING' || state === 'LAST_ACK';
    };
    if (!draining()) return ok(0);
    // A timer at the deadline, so the blocked call is polled at that instant even if nothing happens.
    clock.schedule(() => {}, lingerMs);
    return {
      kind: 'blocked',
      poll: () => (!draining() || clock.now() >= deadline ? { value: 0 } : undefined),
    };
  }

  private poll(args: readonly Expr[]): SyscallOutcome {
    const entries = itemsOf(args[0]).map((item) => structOf(item));
    const timeout = intOf(args[2]) ?? 0;
    const check = (final: boolean): SyscallReturn | undefined => {
      let ready = 0;
      const problems: string[] = [];
      for (const entry of entries) {
        const revents = this.revents(entry.fd, entry.events ?? 0);
        if (revents !== 0) ready++;
        if (entry.revents !== undefined && entry.revents !== revents)
          problems.push(`fd ${entry.fd}: expected revents ${entry.revents}, actual ${revents}`);
      }
      if (ready === 0 && !final) return undefined;
      return { value: ready, mismatch: problems.length > 0 ? `poll: ${problems.join('; ')}` : undefined };
    };
    if (timeout === 0) return { kind: 'done', result: check(true) ?? { value: 0 } };
    return { kind: 'blocked', poll: () => check(false) };
  }

  /** Linux tcp_poll, for the events the model can tell. */
  private revents(fd: number | undefined, events: number): number {
    const socket = fd === undefined ? undefined : this.sockets.get(fd);
    if (!socket?.conn) return 0;
    const news = this.sut.newsOf(socket.conn);
    let revents = 0;
    const errno = errnoOf(news);
    if (errno && !socket.errorReported) revents |= 0x8;
    if (news.closedReason !== undefined) revents |= 0x10;
    if (this.sut.unreadOf(socket.conn) > 0 || news.peerClosed || news.closedReason !== undefined)
      revents |= (0x1 | 0x40) & events;
    if (news.peerClosed) revents |= 0x2000 & events;
    if (news.connected && !socket.shutWrite && news.closedReason === undefined)
      revents |= (0x4 | 0x100) & events;
    return revents;
  }

  /** Closes everything at the end of a script (nothing is sent: packetdrill checks no further). */
  descriptors(): number[] {
    return [...this.sockets.keys()];
  }
}

/** errno numbers (asm-generic/errno.h) for SO_ERROR. */
const ERRNO_VALUES: Readonly<Record<string, number>> = {
  ECONNREFUSED: 111,
  ETIMEDOUT: 110,
  ECONNRESET: 104,
  EPIPE: 32,
};
