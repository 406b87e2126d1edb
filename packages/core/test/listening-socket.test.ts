/**
 * The listening socket in the trace (issue 21 item 1): it is in LISTEN from listen() on (reported
 * once, as connection "listen:PORT"), each SYN makes a half-open entry whose states start at
 * LISTEN → SYN_RECEIVED, and a RST in SYN_RECEIVED ends that entry without telling the
 * application: back to LISTEN on rfc9293 (RFC 9293 §3.10.7.4, second), freed on linux
 * (tcp_check_req → embryonic_reset → inet_csk_reqsk_queue_drop).
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../src/clock.js';
import { keyFromSeed } from '../src/hash.js';
import { Host, isListenerConn, listenerConnId } from '../src/host.js';
import { getProfile } from '../src/profiles.js';
import { Flag, type Segment } from '../src/segment.js';
import { seqAdd } from '../src/seq.js';

function listeningHost(profile: 'linux' | 'rfc9293', engine: 'actor' | 'table') {
  const clock = new VirtualClock();
  const sent: Segment[] = [];
  const states: string[] = [];
  const apps: string[] = [];
  const host = new Host({
    id: 'server',
    address: '10.0.0.2',
    profile: getProfile(profile),
    clock,
    isnKey: keyFromSeed(1, 1),
    engine,
    events: {
      segment: (segment) => sent.push(segment),
      state: (conn, from, to) => states.push(`${clock.now()} ${conn} ${from} → ${to}`),
      app: (conn, event, detail) =>
        apps.push(`${conn ?? '-'} ${event}${detail?.reason ? ` ${detail.reason}` : ''}`),
      timer: () => {},
      drop: () => {},
    },
  });
  return { host, clock, sent, states, apps };
}

const syn: Segment = {
  srcAddr: '10.0.0.1',
  srcPort: 40000,
  dstAddr: '10.0.0.2',
  dstPort: 80,
  seq: 90,
  ack: 0,
  flags: Flag.SYN,
  win: 65535,
  mss: 1460,
};
const ENTRY = '80-10.0.0.1:40000';

describe.each(['actor', 'table'] as const)('the listening socket (%s engine)', (engine) => {
  it('is LISTEN from listen() on, before any SYN; a SYN makes an entry starting at LISTEN', () => {
    const { host, clock, states } = listeningHost('linux', engine);
    host.listen(80);
    expect(states).toEqual(['0 listener:80 CLOSED → LISTEN']);
    clock.advanceTo(1000);
    host.deliver(syn);
    expect(states).toEqual(['0 listener:80 CLOSED → LISTEN', `1000 ${ENTRY} LISTEN → SYN_RECEIVED`]);
    expect(host.connections()).toEqual([{ conn: ENTRY, state: 'SYN_RECEIVED' }]);
    host.unlisten(80);
    expect(states.at(-1)).toBe('1000 listener:80 LISTEN → CLOSED');
    expect([listenerConnId(80), isListenerConn('listener:80'), isListenerConn(ENTRY)]).toEqual([
      'listener:80',
      true,
      false,
    ]);
  });

  it.each([
    ['linux', 'CLOSED'],
    ['rfc9293', 'LISTEN'],
  ] as const)('%s: a RST in SYN_RECEIVED ends the entry (→ %s) with no application event', (profile, to) => {
    const { host, sent, states, apps } = listeningHost(profile, engine);
    host.listen(80);
    host.deliver(syn);
    const synAck = sent.find((s) => s.flags === (Flag.SYN | Flag.ACK));
    expect(synAck?.ack).toBe(91);
    host.deliver({ ...syn, seq: 91, ack: 0, flags: Flag.RST, mss: undefined });
    expect(states.at(-1)).toBe(`0 ${ENTRY} SYN_RECEIVED → ${to}`);
    expect(apps).toEqual(['- listen']);
    expect(host.connections()).toEqual([]);
    expect(host.listenerStats()['80'].synQueue).toBe(0);
    // The listener still listens: the next SYN of the same 4-tuple makes a fresh entry.
    host.deliver({ ...syn, seq: 5000 });
    expect(states.at(-1)).toBe(`0 ${ENTRY}#2 LISTEN → SYN_RECEIVED`);
    expect(sent.at(-1)?.ack).toBe(seqAdd(5000, 1));
  });
});
