/**
 * `synack list` and `synack run <name>` for every built-in scenario, through the
 * real binary: exit 0, a clean ladder on stdout, nothing on stderr, and the
 * ladder shows what the scenario's name promises.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  arrows,
  type CliResult,
  describeResult,
  inLane,
  ladderLines,
  laneColumns,
  laneTimes,
  pool,
  SCENARIO_NAMES,
  synack,
  synackSync,
} from './helpers.js';

// `synack list`, run at collection time so that every listed scenario gets its own test.
const listed = synackSync(['list']);
const LISTED: Array<{ name: string; description: string }> = listed.stdout
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => {
    const m = /^(\S+)\s{2,}(.+)$/.exec(line);
    return { name: m?.[1] ?? line, description: m?.[2] ?? '' };
  });

const ANSI = /\x1b\[/;

/** Ladder checks per scenario: what its name promises. `out` is stdout of `synack run <name>` (no TTY). */
const PROMISES: Record<string, (out: string) => void> = {
  handshake(out) {
    expect(laneTimes(out, 'client', 'CLOSED → SYN_SENT')).toEqual([0]);
    expect(laneTimes(out, 'server', 'LISTEN → SYN_RECEIVED')).toEqual([0.01]);
    expect(laneTimes(out, 'client', 'SYN_SENT → ESTABLISHED')).toEqual([0.02]);
    expect(laneTimes(out, 'server', 'SYN_RECEIVED → ESTABLISHED')).toEqual([0.03]);
    // SYN seq=x, SYN-ACK seq=y ack=x+1, ACK ack=y+1 (relative numbers: x = y = 0).
    expect(arrows(out, 'client', 'server', / SYN seq=0 /).map((l) => l.t)).toEqual([0]);
    expect(arrows(out, 'server', 'client', / SYN,ACK seq=0 ack=1 /).map((l) => l.t)).toEqual([0.01]);
    expect(arrows(out, 'client', 'server', / ACK seq=1 ack=1 /).map((l) => l.t)).toEqual([0.02]);
    // …and the absolute numbers agree: ack = peer's ISN + 1.
    const syn = /abs seq=(\d+)/.exec(arrows(out, 'client', 'server', / SYN seq=0 /)[0].text)!;
    const synAck = /abs seq=(\d+) ack=(\d+)/.exec(arrows(out, 'server', 'client', / SYN,ACK /)[0].text)!;
    const ack = /abs seq=(\d+) ack=(\d+)/.exec(arrows(out, 'client', 'server', / ACK seq=1 /)[0].text)!;
    expect(Number(synAck[2])).toBe((Number(syn[1]) + 1) % 2 ** 32);
    expect(Number(ack[2])).toBe((Number(synAck[1]) + 1) % 2 ** 32);
    expect(out).toContain('final states: client: ESTABLISHED; server: ESTABLISHED');
  },
  'handshake-with-data'(out) {
    expect(laneTimes(out, 'client', 'app: send 100 B')).toEqual([0]);
    expect(laneTimes(out, 'client', 'SYN_SENT → ESTABLISHED')).toEqual([0.02]);
    // The third segment is the data itself, acknowledging the SYN-ACK: no bare ACK before it.
    const third = arrows(out, 'client', 'server', / seq=1 ack=1 /);
    expect(third.map((l) => l.t)).toEqual([0.02]);
    expect(third[0].text).toMatch(/ACK,PSH seq=1 ack=1 len=100 /);
    expect(laneTimes(out, 'server', 'SYN_RECEIVED → ESTABLISHED')).toEqual([0.03]);
    expect(out).toMatch(/✓ server receives 100 bytes/);
  },
  lifecycle(out) {
    expect(laneTimes(out, 'client', 'SYN_SENT → ESTABLISHED')).toHaveLength(1);
    expect(laneTimes(out, 'client', 'ESTABLISHED → FIN_WAIT_1')).toEqual([0.4]);
    expect(laneTimes(out, 'client', 'FIN_WAIT_1 → FIN_WAIT_2')).toHaveLength(1);
    expect(laneTimes(out, 'server', 'ESTABLISHED → CLOSE_WAIT')).toHaveLength(1);
    expect(laneTimes(out, 'server', 'CLOSE_WAIT → LAST_ACK')).toHaveLength(1);
    expect(laneTimes(out, 'server', 'LAST_ACK → CLOSED')).toHaveLength(1);
    const [enter] = laneTimes(out, 'client', 'FIN_WAIT_2 → TIME_WAIT');
    const [exit] = laneTimes(out, 'client', 'TIME_WAIT → CLOSED');
    // Linux profile: TIME_WAIT lasts 60 s.
    expect(exit - enter).toBeCloseTo(60, 3);
    // Four-way close: FIN, ACK, FIN, ACK — in that order.
    const finC = arrows(out, 'client', 'server', / ACK,FIN /)[0].t;
    const finS = arrows(out, 'server', 'client', / ACK,FIN /)[0].t;
    expect(finC).toBeLessThan(finS);
    // 1 KiB each way.
    expect(arrows(out, 'client', 'server', /len=1024/)).toHaveLength(1);
    expect(arrows(out, 'server', 'client', /len=1024/)).toHaveLength(1);
    expect(out).toContain('final states: client: CLOSED; server: CLOSED');
  },
  'bulk-transfer'(out) {
    expect(out).toMatch(/delay 50 ms, loss 0\.01/);
    expect(ladderLines(out).filter((l) => /✕.*LOST \(loss\)/.test(l.text)).length).toBeGreaterThanOrEqual(5);
    expect(ladderLines(out).filter((l) => /RETRANSMIT/.test(l.text)).length).toBeGreaterThanOrEqual(5);
    // One way only: the server sends no data.
    expect(arrows(out, 'server', 'client', / len=[1-9]/)).toHaveLength(0);
    expect(out).toContain('✓ server receives 2000000 bytes');
    expect(out).toContain('final states: client: CLOSED; server: CLOSED');
  },
  'simultaneous-open'(out) {
    for (const side of ['client', 'server']) {
      expect(laneTimes(out, side, 'CLOSED → SYN_SENT'), side).toEqual([0]);
      expect(laneTimes(out, side, 'SYN_SENT → SYN_RECEIVED'), side).toEqual([0.01]);
      expect(laneTimes(out, side, 'SYN_RECEIVED → ESTABLISHED'), side).toEqual([0.02]);
    }
    // Both SYNs cross on the wire at t=0, then both SYN-ACKs.
    expect(arrows(out, 'client', 'server', / SYN seq=0 /).map((l) => l.t)).toEqual([0]);
    expect(arrows(out, 'server', 'client', / SYN seq=0 /).map((l) => l.t)).toEqual([0]);
    expect(arrows(out, 'client', 'server', / SYN,ACK /).length).toBeGreaterThanOrEqual(1);
    expect(arrows(out, 'server', 'client', / SYN,ACK /).length).toBeGreaterThanOrEqual(1);
  },
  'simultaneous-close'(out) {
    for (const side of ['client', 'server']) {
      expect(laneTimes(out, side, 'ESTABLISHED → FIN_WAIT_1'), side).toEqual([0.5]);
      const [closing] = laneTimes(out, side, 'FIN_WAIT_1 → CLOSING');
      const [timeWait] = laneTimes(out, side, 'CLOSING → TIME_WAIT');
      const [closed] = laneTimes(out, side, 'TIME_WAIT → CLOSED');
      expect(closing, side).toBeGreaterThan(0.5);
      expect(timeWait, side).toBeGreaterThan(closing);
      expect(closed - timeWait, side).toBeCloseTo(60, 3);
    }
    // Both FINs leave at the same instant.
    expect(arrows(out, 'client', 'server', / ACK,FIN /).map((l) => l.t)).toEqual([0.5]);
    expect(arrows(out, 'server', 'client', / ACK,FIN /).map((l) => l.t)).toEqual([0.5]);
  },
  'half-close'(out) {
    const [finWait2] = laneTimes(out, 'client', 'FIN_WAIT_1 → FIN_WAIT_2');
    const [timeWait] = laneTimes(out, 'client', 'FIN_WAIT_2 → TIME_WAIT');
    const [closeWait] = laneTimes(out, 'server', 'ESTABLISHED → CLOSE_WAIT');
    const [lastAck] = laneTimes(out, 'server', 'CLOSE_WAIT → LAST_ACK');
    expect(finWait2).toBeLessThan(timeWait);
    expect(closeWait).toBeLessThan(lastAck);
    expect(laneTimes(out, 'server', 'app: send 4096 B')).toHaveLength(3);
    // The server keeps sending data after the client's FIN; the client receives it in FIN_WAIT_2.
    const data = arrows(out, 'server', 'client', / len=\d+/);
    expect(data.length).toBeGreaterThanOrEqual(3);
    for (const seg of data) {
      expect(seg.t).toBeGreaterThanOrEqual(closeWait);
      expect(seg.t).toBeLessThan(lastAck);
      expect(seg.t).toBeGreaterThanOrEqual(finWait2);
      expect(seg.t).toBeLessThan(timeWait);
    }
    // …and the client still ACKs it.
    expect(arrows(out, 'client', 'server', / ACK seq=\d+ ack=\d+ ─/).some((l) => l.t > finWait2)).toBe(true);
    expect(out).toMatch(/✓ client receives 12288 bytes/);
  },
  'lost-syn'(out) {
    const syns = arrows(out, 'client', 'server', / SYN seq=0 /);
    expect(syns.map((l) => l.t)).toEqual([0, 1]);
    expect(syns[0].text).toMatch(/✕/);
    expect(syns[0].text).toMatch(/LOST \(targeted: drop the first SYN\)/);
    expect(syns[1].text).toMatch(/RETRANSMIT/);
    expect(syns[1].text).toMatch(/^\s+1\.000 s/);
    expect(syns[1].text).not.toMatch(/LOST|✕/);
    expect(laneTimes(out, 'client', 'SYN_SENT → ESTABLISHED')).toEqual([1.02]);
    expect(out).toMatch(/4 segments, 1 dropped/);
  },
  'lost-synack'(out) {
    const synAcks = arrows(out, 'server', 'client', / SYN,ACK seq=0 ack=1 /);
    expect(synAcks[0].t).toBe(0.01);
    expect(synAcks[0].text).toMatch(/✕.*LOST \(targeted: drop the first SYN-ACK\)/);
    const resent = synAcks.slice(1);
    expect(resent.length).toBeGreaterThanOrEqual(1);
    for (const s of resent) {
      expect(s.text).toMatch(/RETRANSMIT/);
      expect(s.text).not.toMatch(/LOST/);
    }
    const [established] = laneTimes(out, 'client', 'SYN_SENT → ESTABLISHED');
    expect(established).toBeGreaterThan(resent[0].t);
    expect(laneTimes(out, 'server', 'SYN_RECEIVED → ESTABLISHED')).toHaveLength(1);
  },
  'lost-final-ack'(out) {
    const [timeWait] = laneTimes(out, 'client', 'FIN_WAIT_2 → TIME_WAIT');
    const acks = arrows(out, 'client', 'server', / ACK seq=\d+ ack=\d+ /).filter((l) => l.t >= timeWait);
    expect(acks).toHaveLength(2);
    const [lostAck, secondAck] = acks;
    expect(lostAck.text).toMatch(/✕.*LOST \(targeted: drop the last ACK\)/);
    // The server's FIN, retransmitted from LAST_ACK…
    const fins = arrows(out, 'server', 'client', / ACK,FIN /);
    expect(fins).toHaveLength(2);
    expect(fins[1].text).toMatch(/RETRANSMIT/);
    expect(fins[1].t).toBeGreaterThan(lostAck.t);
    // …is ACKed a second time by the client, still in TIME_WAIT (no state change between).
    expect(secondAck.t).toBeGreaterThan(fins[1].t);
    expect(secondAck.text).not.toMatch(/LOST|✕/);
    const [closed] = laneTimes(out, 'client', 'TIME_WAIT → CLOSED');
    expect(closed).toBeGreaterThan(secondAck.t);
    // The 2MSL timer restarts with the second ACK: TIME_WAIT ends 60 s after it, not after the first.
    expect(closed - secondAck.t).toBeCloseTo(60, 3);
    expect(laneTimes(out, 'server', 'LAST_ACK → CLOSED')[0]).toBeGreaterThan(secondAck.t);
  },
  'old-duplicate-syn'(out) {
    // The old SYN (abs seq 90) gets a SYN-ACK acking 91; the client resets it with seq 91. No
    // connection of the client owns 90 or 91, so both stay absolute, marked, in the relative column.
    const oldSyn = arrows(out, 'client', 'server', / SYN seq=abs:90 /).filter((l) =>
      /abs seq=90 /.test(l.text),
    );
    expect(oldSyn).toHaveLength(1);
    const staleSynAck = arrows(out, 'server', 'client', / SYN,ACK /).filter((l) => / ack=91 /.test(l.text));
    expect(staleSynAck).toHaveLength(1);
    const rst = arrows(out, 'client', 'server', / RST /);
    expect(rst).toHaveLength(1);
    expect(rst[0].text).toMatch(/ RST seq=abs:91 .*abs seq=91 /);
    expect(rst[0].t).toBeGreaterThan(staleSynAck[0].t);
    const [reset] = laneTimes(out, 'server', 'SYN_RECEIVED → CLOSED');
    expect(reset).toBeGreaterThan(rst[0].t);
    // The half-open entry is freed silently (Linux; RFC 9293 §3.10.7.4 "without informing the
    // user"): no application ever saw it, so no application event; the listener stays LISTEN.
    expect(laneTimes(out, 'server', 'app: closed')).toEqual([]);
    expect(laneTimes(out, 'server', 'CLOSED → LISTEN')).toEqual([0]);
    // Then the real handshake completes.
    expect(laneTimes(out, 'client', 'SYN_SENT → ESTABLISHED')[0]).toBeGreaterThan(reset);
    expect(laneTimes(out, 'server', 'SYN_RECEIVED → ESTABLISHED')[0]).toBeGreaterThan(reset);
  },
  'half-open'(out) {
    const [crash] = laneTimes(out, 'client', 'app: host crashed and restarted');
    expect(crash).toBe(0.5);
    // The server, still ESTABLISHED, answers the new SYN with a bare ACK…
    const newSyn = arrows(out, 'client', 'server', / SYN seq=0 /).filter((l) => l.t > crash);
    expect(newSyn.length).toBeGreaterThanOrEqual(1);
    // (still numbered from the old connection's ISNs: seq=1 ack=101)
    const bareAck = arrows(out, 'server', 'client', / ACK seq=1 ack=101 /).filter((l) => l.t > newSyn[0].t);
    expect(bareAck.length).toBeGreaterThanOrEqual(1);
    // …the client resets it…
    const rst = arrows(out, 'client', 'server', / RST /);
    expect(rst).toHaveLength(1);
    // Its seq is the old connection's number (RFC 9293 §3.10.7.3: seq = SEG.ACK), absolute.
    expect(rst[0].text).toMatch(/ RST seq=abs:\d+ /);
    expect(rst[0].t).toBeGreaterThan(bareAck[0].t);
    expect(inLane(out, 'server', 'app: error "connection reset"')).toHaveLength(1);
    expect(laneTimes(out, 'server', 'ESTABLISHED → CLOSED')[0]).toBeGreaterThan(rst[0].t);
    // …and a fresh connection follows.
    const established = laneTimes(out, 'client', 'SYN_SENT → ESTABLISHED');
    expect(established.at(-1)).toBeGreaterThan(rst[0].t);
    expect(laneTimes(out, 'server', 'SYN_RECEIVED → ESTABLISHED').at(-1)).toBeGreaterThan(rst[0].t);
  },
  'half-open-keepalive'(out) {
    // The client crashes at 0.5 s; the server's connection is idle from the ACK of the data (0.11 s).
    expect(laneTimes(out, 'client', 'app: host crashed and restarted (all state lost)')).toEqual([0.5]);
    // Keepalive probes (RFC 1122 §4.2.3.6): an empty ACK at SND.NXT − 1 (seq=0 after 1 data-free
    // handshake byte), after TCP_KEEPIDLE 10 s, then every TCP_KEEPINTVL 5 s; none is answered.
    const probes = arrows(out, 'server', 'client', / ACK seq=0 ack=101 /);
    expect(probes.map((l) => l.t)).toEqual([10.11, 15.11, 20.11]);
    for (const p of probes) expect(p.text).toMatch(/RETRANSMIT LOST/);
    // After TCP_KEEPCNT 3 unanswered probes: RST (Linux tcp_keepalive_timer) and ETIMEDOUT.
    const rst = arrows(out, 'server', 'client', / ACK,RST seq=1 ack=101 /);
    expect(rst.map((l) => l.t)).toEqual([25.11]);
    expect(laneTimes(out, 'server', 'ESTABLISHED → CLOSED')).toEqual([25.11]);
    expect(laneTimes(out, 'server', 'app: closed (timeout)')).toEqual([25.11]);
    expect(out).toMatch(/final states: client: CLOSED; server: CLOSED/);
  },
  'rst-abort'(out) {
    // Linux's ABORT sends ACK,RST (tcp_send_active_reset).
    const rst = arrows(out, 'client', 'server', / ACK,RST /);
    expect(rst.map((l) => l.t)).toEqual([0.3]);
    expect(laneTimes(out, 'client', 'app: closed (aborted)')).toEqual([0.3]);
    expect(laneTimes(out, 'server', 'app: error "connection reset"')).toEqual([0.31]);
    expect(laneTimes(out, 'server', 'ESTABLISHED → CLOSED')).toEqual([0.31]);
    // No FIN handshake: an abort is not a close.
    expect(out).not.toMatch(/FIN/);
  },
  'syn-flood'(out) {
    expect(laneColumns(out).has('attacker')).toBe(true);
    expect(inLane(out, 'attacker', 'app: SYN flood of 400 spoofed SYNs')).toHaveLength(1);
    const discarded = inLane(out, 'server', '✕ SYN discarded (syn-queue-full)');
    expect(discarded.length).toBeGreaterThan(10);
    // The client's SYNs go unanswered and are retransmitted until connect() gives up.
    const syns = arrows(out, 'client', 'server', / SYN seq=0 /);
    expect(syns.length).toBeGreaterThanOrEqual(3);
    expect(syns.slice(1).every((l) => /RETRANSMIT/.test(l.text))).toBe(true);
    expect(arrows(out, 'server', 'client', / SYN,ACK /)).toHaveLength(0);
    const [timeout] = laneTimes(out, 'client', 'app: closed (timeout)');
    expect(timeout).toBeGreaterThan(syns.at(-1)!.t);
    expect(laneTimes(out, 'client', 'SYN_SENT → CLOSED')).toEqual([timeout]);
    expect(laneTimes(out, 'client', 'SYN_SENT → ESTABLISHED')).toEqual([]);
    expect(out).toMatch(/final states: client: CLOSED;/);
  },
  'syn-cookies'(out) {
    // Same flood, but the client gets through.
    expect(inLane(out, 'attacker', 'app: SYN flood of 400 spoofed SYNs')).toHaveLength(1);
    expect(laneTimes(out, 'client', 'SYN_SENT → ESTABLISHED')).toHaveLength(1);
    expect(arrows(out, 'server', 'client', / SYN,ACK /).length).toBeGreaterThanOrEqual(1);
    expect(laneTimes(out, 'client', 'app: closed (timeout)')).toEqual([]);
    expect(out).toMatch(/final states: client: ESTABLISHED;/);
  },
  'isn-spoofing'(out) {
    // The attacker's guess (from its two probes) is the ISN of the SYN-ACK it never sees.
    const [guessLine] = inLane(out, 'attacker', 'app: guess server ISN');
    const guess = /guess server ISN (\d+), spoofing 10\.0\.0\.9:1023/.exec(guessLine.text)?.[1];
    const synAck = /SYN,ACK seq=0 ack=1 ─▷ 10\.0\.0\.9 .* abs seq=(\d+) /.exec(out)?.[1];
    expect(guess).toBeDefined();
    expect(synAck).toBe(guess);
    // Blind, the forged third segment completes the handshake and delivers its 100 bytes.
    expect(laneTimes(out, 'server', 'SYN_RECEIVED → ESTABLISHED')).toEqual([0.03, 0.13, 0.53]);
    expect(out).not.toMatch(/ RST /);
    expect(out).toContain('✓ server receives 100 bytes');
  },
  'isn-spoofing-rfc6528'(out) {
    // RFC 6528: the keyed hash of the 4-tuple makes the guess miss; the server resets, nothing delivered.
    const [guessLine] = inLane(out, 'attacker', 'app: guess server ISN');
    const guess = /guess server ISN (\d+)/.exec(guessLine.text)?.[1];
    const synAck = /SYN,ACK seq=0 ack=1 ─▷ 10\.0\.0\.9 .* abs seq=(\d+) /.exec(out)?.[1];
    expect(synAck).toBeDefined();
    expect(synAck).not.toBe(guess);
    expect(out).toMatch(/0\.530 s .*├─ RST seq=abs:\d+ ─▷ 10\.0\.0\.9 /);
    expect(laneTimes(out, 'server', 'SYN_RECEIVED → ESTABLISHED')).toEqual([0.03, 0.13]);
    expect(out).toContain('✓ server receives 0 bytes');
  },
  'lossy-transfer'(out) {
    const lost = ladderLines(out).filter((l) => /✕.*LOST \(loss\)/.test(l.text));
    const retransmitted = ladderLines(out).filter((l) => /RETRANSMIT/.test(l.text));
    expect(lost.length).toBeGreaterThanOrEqual(1);
    expect(retransmitted.length).toBeGreaterThanOrEqual(1);
    expect(out).toMatch(/loss 0\.05, reorder 0\.1/);
    expect(out).toContain('✓ every byte arrives in order, exactly once');
    expect(out).toContain('✓ client receives 100000 bytes');
    expect(out).toContain('✓ server receives 200000 bytes');
    expect(out).toContain('final states: client: CLOSED; server: CLOSED');
  },
};

// Every scenario is run once, two at a time (two cores), while the tests read the results.
const runs = new Map<string, Promise<CliResult>>();
beforeAll(() => {
  const names = [...new Set([...LISTED.map((s) => s.name), ...SCENARIO_NAMES])];
  const settled = new Map<string, (r: CliResult) => void>();
  for (const name of names) runs.set(name, new Promise((resolve) => settled.set(name, resolve)));
  // Not awaited: each test awaits its own scenario.
  void pool(
    names.map((name) => async () => {
      const r = await synack(['run', name]);
      settled.get(name)!(r);
      return r;
    }),
    2,
  ).catch((err: unknown) => {
    for (const resolve of settled.values()) {
      resolve({ code: null, signal: null, stdout: '', stderr: String(err), wallMs: 0, args: [] });
    }
  });
});

describe('synack list', () => {
  it('exits 0 and lists exactly the built-in scenarios, each with a description', () => {
    expect(listed.code, describeResult(listed)).toBe(0);
    expect(listed.stderr).toBe('');
    expect(LISTED.map((s) => s.name)).toEqual([...SCENARIO_NAMES]);
    for (const s of LISTED) expect(s.description.length, s.name).toBeGreaterThan(20);
    expect(listed.stdout).not.toMatch(ANSI);
  });

  it('has a ladder check in this file for every listed scenario', () => {
    for (const s of LISTED) expect(Object.keys(PROMISES), s.name).toContain(s.name);
  });
});

describe.each(LISTED)('synack run $name', ({ name, description }) => {
  it('exits 0 with the ladder on stdout, every expectation ✓, nothing on stderr', async () => {
    const r = await runs.get(name)!;
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    // bulk-transfer runs over a 100 ms RTT path; the textbook scenarios over 10 ms links.
    const delay = name === 'bulk-transfer' ? 50 : 10;
    expect(lines[0]).toMatch(
      new RegExp(`^synack run ${name} {2}profile linux {2}seed 1 {2}delay ${delay} ms`),
    );
    expect(lines[1]).toBe(description);
    // The off-path attack has no client of its own: the attacker impersonates a host that is down.
    const offPath = name.startsWith('isn-spoofing');
    expect(laneColumns(r.stdout).has(offPath ? 'attacker' : 'client')).toBe(true);
    expect(laneColumns(r.stdout).has('server')).toBe(true);
    expect(ladderLines(r.stdout).length).toBeGreaterThan(5);
    // Times never go backwards.
    const times = ladderLines(r.stdout).map((l) => l.t);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(r.stdout).toMatch(/^run completed at \d+\.\d{3} s virtual \(\d+\.\d\d s wall\); \d+ segments, /m);
    expect(r.stdout).toMatch(offPath ? /^final states: server: /m : /^final states: client: /m);
    expect(r.stdout).toMatch(/^ {2}✓ run completes$/m);
    expect(r.stdout.match(/^ {2}✓ /gm)?.length ?? 0).toBeGreaterThanOrEqual(2);
    expect(r.stdout, 'a failed expectation').not.toMatch(/✗/);
    // Not a TTY and no --no-color: no escape sequences.
    expect(r.stdout).not.toMatch(ANSI);
    // Relative numbers are offsets modulo 2^32 (never negative); an absolute one is marked abs:.
    const arrowNumbers = ladderLines(r.stdout).flatMap((l) => [...l.text.matchAll(/ (?:seq|ack)=(\S+)/g)]);
    // A label longer than its arrow is cut where the arrow ends (`ack=a─┤`; the full numbers are in
    // the right-hand column): only a number the label shows whole is checked.
    const whole = arrowNumbers.filter(([, value]) => !value.includes('─'));
    for (const [, value] of whole) expect(value).toMatch(/^(abs:)?\d+$/);
    expect(arrowNumbers.length).toBeGreaterThan(0);
  });

  it('shows the listening socket in LISTEN from listen() on, before any SYN reaches it', async () => {
    const r = await runs.get(name)!;
    const lines = r.stdout.split('\n');
    const listens = lines.flatMap((l, i) => (/ app: listen\(:\d+/.test(l) ? [i] : []));
    for (const i of listens) {
      // The line right under listen() is the socket's own CLOSED → LISTEN, at the same instant.
      expect(lines[i + 1], lines[i]).toMatch(/ CLOSED → LISTEN(\s|$)/);
      expect(lines[i + 1].slice(0, 11)).toBe(lines[i].slice(0, 11));
    }
    // No half-open entry starts from CLOSED (it is born of the listener, in LISTEN).
    expect(ladderLines(r.stdout).filter((l) => / CLOSED → LISTEN(\s|$)/.test(l.text))).toHaveLength(
      listens.length,
    );
  });

  it('shows what its name promises', async () => {
    const r = await runs.get(name)!;
    const check = PROMISES[name];
    expect(check, `no ladder check for ${name}`).toBeDefined();
    check(r.stdout);
  });
});

describe('synack run (no scenario)', () => {
  it('runs lifecycle, byte for byte the same as `synack run lifecycle` apart from wall time', async () => {
    const [bare, named] = await Promise.all([synack(['run']), runs.get('lifecycle')!]);
    expect(bare.code, describeResult(bare)).toBe(0);
    const noWall = (s: string) => s.replace(/\(\d+\.\d\d s wall\)/, '(wall)');
    expect(noWall(bare.stdout)).toBe(noWall(named.stdout));
  });
});

describe('lost-syn ladder narrates the retransmission timer', () => {
  it('shows the RTO expiry at 1.000 s in the client lane, naming what it retransmits (the SYN)', async () => {
    const r = await runs.get('lost-syn')!;
    // ladder.ts draws "⏱ RTO expired: retransmit <what> (#n, next RTO …)" for every `timer` trace event.
    const [line] = inLane(r.stdout, 'client', '⏱ RTO expired: retransmit');
    expect(line?.t).toBe(1);
    expect(line.text).toContain('⏱ RTO expired: retransmit SYN (#1, next RTO 1 s)');
  });
});
