/**
 * The system under test: one simulated host (@synack/core's Host) driven in virtual time, in
 * process, with no threads. It records every segment the host sends (with its virtual send time)
 * and, per connection, what the application side would see: connected, data, end of stream,
 * errors. The script's remote peer is not simulated: the runner injects its segments.
 */
import {
  type CongestionSnapshot,
  getProfile,
  Host,
  keyFromSeed,
  type Profile,
  type Segment,
  type TcpState,
  VirtualClock,
} from '@synack/core';

/** packetdrill's default addresses (its --local_ip / --remote_ip). */
export const LOCAL_IP = '192.168.0.1';
export const REMOTE_IP = '192.0.2.1';

/** A segment the endpoint sent, at virtual time `atUs` (µs from the script start). */
export interface Emitted {
  readonly atUs: number;
  readonly segment: Segment;
}

/** What one connection has told its application so far. */
export interface ConnectionNews {
  connected: boolean;
  /** The peer's FIN arrived (read returns 0 once the buffer is empty). */
  peerClosed: boolean;
  /** Set when the connection reached CLOSED. */
  closedReason: string | undefined;
  /** The last error reported to the application ("connection reset", …). */
  error: string | undefined;
  /** Bytes a read() took from the connection and has not returned yet (the rest waits in the TCB). */
  unread: number;
  /** The connection closed and its unread bytes moved into `unread` (its buffer is no longer read). */
  bufferTaken: boolean;
  /** Last congestion-control picture the connection emitted. */
  cc: CongestionSnapshot | undefined;
  state: TcpState;
}

/** The last virtual time a timer may fire at before the runner gives up waiting (10 minutes). */
export const HORIZON_US = 600_000_000;

export class SimulatedEndpoint {
  readonly clock = new VirtualClock(0);
  readonly outbound: Emitted[] = [];
  readonly news = new Map<string, ConnectionNews>();
  private host: Host | undefined;
  private readonly overrides: Record<string, unknown> = {};
  /** Listener settings from sysctls (tcp_syncookies, somaxconn, tcp_max_syn_backlog). */
  private readonly listenSettings: Record<string, unknown> = {};

  constructor(readonly profileName: string) {}

  nowUs(): number {
    return Math.round(this.clock.now() * 1000);
  }

  /** A profile field set by a sysctl or a socket option; false once the host exists (too late). */
  override(field: string, value: unknown): boolean {
    if (this.host) return false;
    this.overrides[field] = value;
    return true;
  }

  setListenSetting(name: string, value: unknown): void {
    this.listenSettings[name] = value;
  }

  listenSetting(name: string): unknown {
    return this.listenSettings[name];
  }

  /** The profile the host runs (or will run) with. */
  profile(): Profile {
    return getProfile(this.profileName, this.overrides as Partial<Profile>);
  }

  /** The host, created on first use so that every setting made before it applies. */
  get(): Host {
    if (!this.host) {
      this.host = new Host({
        id: 'sut',
        address: LOCAL_IP,
        profile: this.profile(),
        clock: this.clock,
        isnKey: keyFromSeed(1, 15),
        engine: 'table',
        // Data waits in the connection until the script's read() takes it: unread data shrinks the
        // window offered (receiver SWS avoidance, conformance/sws-receiver-*.pkt) as in the kernel.
        autoRead: false,
        events: {
          segment: (segment) => this.outbound.push({ atUs: this.nowUs(), segment }),
          state: (conn, _from, to) => {
            const news = this.newsOf(conn);
            news.state = to;
            // A reset frees the connection, not what it received: read() still returns that data
            // first (Linux keeps sk_receive_queue), so the socket layer takes it over.
            if (to === 'CLOSED' && !news.bufferTaken) {
              news.unread += this.host?.snapshotOf(conn)?.context.readable.length ?? 0;
              news.bufferTaken = true;
            }
          },
          app: (conn, event, detail) => this.onApp(conn, event, detail),
          timer: () => {},
          drop: () => {},
          data: (conn, bytes) => {
            this.newsOf(conn).unread += bytes.length;
          },
          cc: (conn, snapshot) => {
            this.newsOf(conn).cc = snapshot;
          },
        },
      });
    }
    return this.host;
  }

  /** Received bytes nobody has read yet: in the connection's buffer plus any taken but not returned. */
  unreadOf(conn: string): number {
    const news = this.newsOf(conn);
    const waiting = news.bufferTaken ? 0 : (this.host?.snapshotOf(conn)?.context.readable.length ?? 0);
    return waiting + news.unread;
  }

  newsOf(conn: string): ConnectionNews {
    let news = this.news.get(conn);
    if (!news) {
      news = {
        connected: false,
        peerClosed: false,
        closedReason: undefined,
        error: undefined,
        unread: 0,
        bufferTaken: false,
        cc: undefined,
        state: 'CLOSED',
      };
      this.news.set(conn, news);
    }
    return news;
  }

  private onApp(conn: string | undefined, event: string, detail?: Record<string, unknown>): void {
    if (conn === undefined) return;
    const news = this.newsOf(conn);
    if (event === 'connected') news.connected = true;
    else if (event === 'peer-closed') news.peerClosed = true;
    else if (event === 'closed') news.closedReason = String(detail?.reason ?? 'normal');
    else if (event === 'error') news.error = String(detail?.error ?? 'error');
  }

  /**
   * Advances virtual time to `us`, one timer deadline at a time, calling `afterStep` after each so
   * that a blocked call notices the exact instant it could return. Stops early (returning false)
   * when `stop` says so after a step.
   */
  advanceTo(us: number, afterStep: () => void, stop: () => boolean = () => false): boolean {
    const target = Math.max(this.clock.now(), us / 1000);
    for (;;) {
      const next = this.clock.nextDeadline();
      if (next === undefined || next > target) break;
      this.clock.advanceTo(next);
      afterStep();
      if (stop()) return false;
    }
    this.clock.advanceTo(target);
    afterStep();
    return !stop();
  }

  /**
   * Virtual time (µs) of the next timer, if any: never before its deadline. The clock runs in
   * floating-point ms, so a deadline such as 429.497 + 1000 can lie a hair above the µs it rounds
   * to; advancing to that µs would not fire the timer, and a caller waiting for it would spin for
   * ever (runner-fuzz found one: a keepalive script with `+.4294967295`).
   */
  nextTimerUs(): number | undefined {
    const next = this.clock.nextDeadline();
    if (next === undefined) return undefined;
    const us = Math.round(next * 1000);
    return us / 1000 < next ? us + 1 : us;
  }

  dispose(): void {
    this.host?.dispose();
  }
}
