/**
 * Relative sequence numbers in real runs (issue 21 item 2, done-when): every built-in scenario and
 * lossy runs over many seeds, read the way a user reads them — the text ladder next to the
 * `--format jsonl` trace of the same run (same seed + config ⇒ the same segments in the same order).
 *
 * For each arrow of the ladder: a relative number is never negative and below 2^32, and equals
 * (absolute − ISN of the owning connection) mod 2^32 — the seq counted from the sender's own ISN,
 * the ack from the peer's ISN the sender acknowledged in its handshake (RFC 9293 §3.4: ISS / IRS).
 * A number is absolute (and marked `abs:`, in Chinese `绝对:`) only where no connection owns it.
 *
 * The ISNs here come from the trace by the handshake's own arithmetic, not from the ladder's
 * bookkeeping (src/ladder.ts RelativeSeq): ISS = seq of the connection's latest SYN (or of the
 * stateless SYN cookie SYN-ACK that created it); IRS = ack − 1 of the first segment carrying
 * ACK that the connection sent after it (its SYN-ACK, or its third handshake segment).
 */
import { describe, expect, it } from 'vitest';
import { describeResult, pool, SCENARIO_NAMES, synack } from './helpers.js';

interface Segment {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: string[];
}
interface Event {
  kind: string;
  t: number;
  id: number;
  endpoint: string;
  from?: string;
  to?: string;
  conn?: string;
  seg?: Segment;
  duplicateOf?: number;
}

const TWO_32 = 2 ** 32;
const mod32 = (n: number) => ((n % TWO_32) + TWO_32) % TWO_32;

/** The relative (or marked absolute) numbers of each arrow row of a text ladder, in order. */
function arrowNumbers(stdout: string): Array<{ row: string; seq: string; ack?: string }> {
  const rows: Array<{ row: string; seq: string; ack?: string }> = [];
  for (const row of stdout.split('\n')) {
    // An arrow: the flags, then its relative label (a label cut short for its lane ends in …).
    const m = /[─ ](?:SYN|ACK|FIN|RST|PSH)[A-Z,]* seq=(-?[^\s…]+)(?: ack=(-?[^\s…]+))?/.exec(row);
    if (m && /[├◀▶⇒⇐✕▷]/.test(row)) rows.push({ row: row.trim(), seq: m[1], ack: m[2] });
  }
  return rows;
}

/** ISS and IRS of every endpoint|conn at each segment it sends, from the trace alone. */
class HandshakeIsns {
  private readonly iss = new Map<string, number>();
  private readonly irs = new Map<string, number>();
  /** from:port>to:port → the ISN of the last connection-less SYN-ACK (a SYN cookie) that way. */
  private readonly cookie = new Map<string, { seq: number; ack: number }>();
  private readonly byId = new Map<number, { iss?: number; irs?: number }>();

  observe(e: Event): { iss?: number; irs?: number } {
    if (e.kind === 'duplicate') return this.byId.get(e.duplicateOf ?? -1) ?? {};
    const seg = e.seg as Segment;
    const syn = seg.flags.includes('SYN');
    const way = `${e.from}:${seg.srcPort}>${e.to}:${seg.dstPort}`;
    if (e.conn === undefined) {
      if (syn && seg.flags.includes('ACK')) this.cookie.set(way, { seq: seg.seq, ack: seg.ack });
      this.byId.set(e.id, {});
      return {};
    }
    const key = `${e.from}|${e.conn}`;
    if (syn && this.iss.get(key) !== seg.seq) {
      this.iss.set(key, seg.seq);
      this.irs.delete(key);
    }
    if (!this.iss.has(key)) {
      const c = this.cookie.get(way);
      if (c) {
        this.iss.set(key, c.seq);
        this.irs.set(key, mod32(c.ack - 1));
      }
    }
    if (this.iss.has(key) && !this.irs.has(key) && seg.flags.includes('ACK'))
      this.irs.set(key, mod32(seg.ack - 1));
    const isns = { iss: this.iss.get(key), irs: this.irs.get(key) };
    this.byId.set(e.id, isns);
    return isns;
  }
}

/** Every disagreement between a run's ladder and its trace (empty when the numbers are right). */
function check(label: string, text: string, jsonl: string): { problems: string[]; relative: number } {
  const trace = jsonl
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Event)
    .filter((e) => e.kind === 'send' || e.kind === 'duplicate');
  const rows = arrowNumbers(text);
  const problems: string[] = [];
  if (rows.length !== trace.length)
    return { problems: [`${label}: ${rows.length} arrows but ${trace.length} segments`], relative: 0 };
  const isns = new HandshakeIsns();
  const segOf = new Map<number, Event>();
  let relative = 0;
  trace.forEach((e, i) => {
    const { iss, irs } = isns.observe(e);
    const original = e.kind === 'duplicate' ? (segOf.get(e.duplicateOf ?? -1) ?? e) : e;
    segOf.set(e.id, original);
    const seg = original.seg as Segment;
    const owned = original.conn !== undefined;
    const fields: Array<[string, string | undefined, number, number | undefined]> = [
      ['seq', rows[i].seq, seg.seq, iss],
      ['ack', seg.flags.includes('ACK') ? rows[i].ack : undefined, seg.ack, irs],
    ];
    for (const [name, shown, abs, isn] of fields) {
      if (shown === undefined) continue;
      const where = `${label}: ${name}=${shown} in «${rows[i].row}»`;
      const mark = /^(abs:|绝对:)/.exec(shown)?.[0];
      if (mark) {
        if (Number(shown.slice(mark.length)) !== abs) problems.push(`${where}: absolute is ${abs}`);
        continue;
      }
      const n = Number(shown);
      relative++;
      if (!Number.isInteger(n) || n < 0 || n >= TWO_32) problems.push(`${where}: not in [0, 2^32)`);
      else if (!owned) problems.push(`${where}: no connection owns it, so it must be absolute`);
      else if (isn === undefined) problems.push(`${where}: relative before any ISN is known`);
      else if (n !== mod32(abs - isn))
        problems.push(`${where}: (${abs} − ${isn}) mod 2^32 = ${mod32(abs - isn)}`);
    }
  });
  return { problems, relative };
}

/** Runs `args` twice (text ladder, jsonl trace) and checks one against the other. */
async function checkRun(args: string[]): Promise<{ problems: string[]; relative: number }> {
  const [text, jsonl] = await Promise.all([
    synack(['run', ...args, '--no-color', '--full', '--no-expect']),
    synack(['run', ...args, '--format', 'jsonl', '--no-expect']),
  ]);
  const label = args.join(' ');
  if (text.code !== 0 || jsonl.code !== 0)
    return { problems: [describeResult(text.code ? text : jsonl)], relative: 0 };
  return check(label, text.stdout, jsonl.stdout);
}

describe('relative seq/ack of real runs', () => {
  it('the checker catches a number counted from the wrong ISN and a negative one', () => {
    const jsonl = [
      {
        kind: 'send',
        t: 0,
        id: 1,
        endpoint: 'c',
        from: 'c',
        to: 's',
        conn: 'a',
        seg: { srcPort: 1, dstPort: 2, seq: 1000, ack: 0, flags: ['SYN'] },
      },
      {
        kind: 'send',
        t: 1,
        id: 2,
        endpoint: 's',
        from: 's',
        to: 'c',
        conn: 'b',
        seg: { srcPort: 2, dstPort: 1, seq: 5000, ack: 1001, flags: ['SYN', 'ACK'] },
      },
      {
        kind: 'send',
        t: 2,
        id: 3,
        endpoint: 'c',
        from: 'c',
        to: 's',
        seg: { srcPort: 1, dstPort: 2, seq: 7, ack: 0, flags: ['RST'] },
      },
    ]
      .map((e) => JSON.stringify(e))
      .join('\n');
    const ladder = (a: string, b: string, c: string) =>
      `├── SYN seq=${a} ──▶\n◀── SYN,ACK seq=${b} ack=1 ──┤\n├── RST seq=${c} ──▶`;
    expect(check('ok', ladder('0', '0', 'abs:7'), jsonl).problems).toEqual([]);
    expect(check('wrong isn', ladder('0', '4000', 'abs:7'), jsonl).problems).toHaveLength(1);
    expect(check('negative', ladder('-1', '0', 'abs:7'), jsonl).problems).toHaveLength(1);
    expect(check('unowned relative', ladder('0', '0', '7'), jsonl).problems).toHaveLength(1);
  });

  it('every built-in scenario: relative to the owner’s ISN mod 2^32, absolute only when unowned', async () => {
    const results = await pool(
      SCENARIO_NAMES.map((name) => () => checkRun([name])),
      1,
    );
    expect(results.flatMap((r) => r.problems).slice(0, 10)).toEqual([]);
    for (const [i, r] of results.entries()) expect(r.relative, SCENARIO_NAMES[i]).toBeGreaterThan(0);
  }, 600_000);

  it('lifecycle and lossy-transfer under loss, many seeds', async () => {
    const runs = [
      ...Array.from({ length: 20 }, (_, s) => ['lifecycle', '--loss', '0.1', '--seed', String(s + 1)]),
      ...Array.from({ length: 4 }, (_, s) => ['lossy-transfer', '--loss', '0.1', '--seed', String(s + 1)]),
    ];
    const results = await pool(
      runs.map((args) => () => checkRun(args)),
      1,
    );
    expect(results.flatMap((r) => r.problems).slice(0, 10)).toEqual([]);
    expect(results.reduce((n, r) => n + r.relative, 0)).toBeGreaterThan(1000);
  }, 900_000);

  it('--lang zh: the same numbers, absolute ones marked 绝对:', async () => {
    const results = await pool(
      ['syn-flood', 'old-duplicate-syn', 'half-open'].map((name) => () => checkRun([name, '--lang', 'zh'])),
      1,
    );
    expect(results.flatMap((r) => r.problems).slice(0, 10)).toEqual([]);
    for (const r of results) expect(r.relative).toBeGreaterThan(0);
  }, 300_000);
});
