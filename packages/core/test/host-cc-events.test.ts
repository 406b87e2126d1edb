/**
 * Host.emitOutput routing of the data path's outputs (issue 13): a `cc` output reaches the
 * `cc` callback (not `app`), and a retransmitted segment's `cause` reaches the `segment` callback.
 * The outputs are injected by hand so the routing is tested on its own, whatever emits them.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../src/clock.js';
import { keyFromSeed } from '../src/hash.js';
import { Host, type HostEvents } from '../src/host.js';
import { getProfile } from '../src/profiles.js';
import { Flag } from '../src/segment.js';
import type { CongestionSnapshot, ConnectionOutput } from '../src/tcb/tcb.js';

function recordingHost() {
  const seen = {
    apps: [] as string[],
    cc: [] as Array<[string, CongestionSnapshot]>,
    causes: [] as unknown[],
  };
  const events: HostEvents = {
    segment: (_segment, info) => seen.causes.push(info.cause),
    state: () => {},
    app: (_conn, event) => seen.apps.push(event),
    timer: () => {},
    drop: () => {},
    cc: (conn, snapshot) => seen.cc.push([conn, snapshot]),
  };
  const host = new Host({
    id: 'client',
    address: '10.0.0.1',
    profile: getProfile('linux'),
    clock: new VirtualClock(),
    isnKey: keyFromSeed(1, 1),
    events,
    engine: 'table',
  });
  const conn = host.connect({ addr: '10.0.0.2', port: 80 });
  // emitOutput is private: the test reaches it the way a connection's output callback does.
  const emit = (output: ConnectionOutput) =>
    (host as unknown as { emitOutput(r: unknown, o: ConnectionOutput): void }).emitOutput(
      (host as unknown as { byId: Map<string, unknown> }).byId.get(conn),
      output,
    );
  return { host, conn, seen, emit };
}

const SNAPSHOT: CongestionSnapshot = {
  state: 'Recovery',
  cwnd: 7,
  ssthresh: 7,
  inFlight: 6,
  sacked: 2,
  mss: 1460,
};

describe('Host routes congestion snapshots and retransmission causes', () => {
  it('a cc output calls events.cc with the connection id and is not reported as an app event', () => {
    const { conn, seen, emit } = recordingHost();
    seen.apps.length = 0;
    emit({ type: 'cc', cc: SNAPSHOT });
    expect(seen.cc).toEqual([[conn, SNAPSHOT]]);
    expect(seen.apps).toEqual([]);
  });

  it('a retransmitted segment carries its cause to events.segment; a first transmission has none', () => {
    const { seen, emit } = recordingHost();
    seen.causes.length = 0;
    const segment = {
      srcAddr: '10.0.0.1',
      srcPort: 40000,
      dstAddr: '10.0.0.2',
      dstPort: 80,
      seq: 1,
      ack: 1,
      flags: Flag.ACK,
      win: 65535,
      data: new Uint8Array(10),
    };
    emit({ type: 'segment', segment, retransmit: 'data', cause: 'fast' });
    emit({ type: 'segment', segment });
    expect(seen.causes).toEqual(['fast', undefined]);
  });
});
