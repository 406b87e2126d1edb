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
  /** Received bytes not read yet. */
  unread: number;
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
        events: {
          segment: (segment) => this.outbound.push({ atUs: this.nowUs(), segment }),
          state: (conn, _from, to) => {
            this.newsOf(conn).state = to;
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

  newsOf(conn: string): ConnectionNews {
    let news = this.news.get(conn);
    if (!news) {
      news = {
        connected: false,
        peerClosed: false,
        closedReason: undefined,
        error: undefined,
        unread: 0,
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

  /** Virtual time (µs) of the next timer, if any. */
  nextTimerUs(): number | undefined {
    const next = this.clock.nextDeadline();
    return next === undefined ? undefined : Math.round(next * 1000);
  }

  dispose(): void {
    this.host?.dispose();
  }
}
