/**
 * Folding (issue 21 item 6): runs of rows of the same shape fold into `… N more …`, in a
 * terminal or with --fold, never with --full; a row that differs in anything but numbers is
 * never hidden.
 */
import { describe, expect, it } from 'vitest';
import { FOLD_AFTER, foldItems, foldSpoofed, shapeOf, spoofedEvents } from '../src/ladder-fold.js';
import { synack } from './helpers.js';

const fold = (items: string[]) => foldItems(items, (n) => `… ${n} more …`);

describe('foldItems', () => {
  it('treats rows that differ only in numbers as the same shape, and nothing else', () => {
    expect(shapeOf('0.010 s  ├──── SYN seq=0 ────▶  +10ms')).toBe(
      shapeOf('1.250 s  ├─── SYN seq=1448 ───▶  +12ms'),
    );
    expect(shapeOf('├── SYN seq=0 ──▶')).not.toBe(shapeOf('├── SYN seq=0 ──▶  RETRANSMIT'));
    expect(shapeOf('├── SYN seq=0 ──▶')).not.toBe(shapeOf('◀── SYN seq=0 ──┤'));
  });

  it('shows the first repetitions, one fold line and the last; runs of up to FOLD_AFTER stay', () => {
    const rows = Array.from({ length: 10 }, (_, i) => `SYN seq=${i}`);
    expect(fold(rows)).toEqual(['SYN seq=0', 'SYN seq=1', '… 7 more …', 'SYN seq=9']);
    expect(fold(rows.slice(0, FOLD_AFTER))).toEqual(rows.slice(0, FOLD_AFTER));
  });

  it('folds a repeated block of several rows, and never hides a row of another shape', () => {
    const rows = Array.from({ length: 6 }, (_, i) => [`SYN seq=${i}`, `discarded ${i}`]).flat();
    expect(fold(rows.slice(0, 8))).toEqual([
      'SYN seq=0',
      'discarded 0',
      'SYN seq=1',
      'discarded 1',
      '… 2 more …',
      'SYN seq=3',
      'discarded 3',
    ]);
    rows.splice(7, 0, 'CLOSED → SYN_SENT');
    expect(fold(rows)).toContain('CLOSED → SYN_SENT');
  });
});

describe('foldSpoofed', () => {
  it('marks forged segments, the SYN-ACKs and drops they cause and their half-open entries, not the client', () => {
    const trace = [
      { kind: 'app', endpoint: 'attacker', event: 'syn-flood' },
      { kind: 'send', endpoint: 'attacker', from: 'attacker', to: 'server', id: 1 },
      { kind: 'state', endpoint: 'server', conn: '80-10.99.0.1:1025' },
      { kind: 'send', endpoint: 'server', from: 'server', to: '10.99.0.1', id: 2, conn: '80-10.99.0.1:1025' },
      { kind: 'send', endpoint: 'client', from: 'client', to: 'server', id: 3, conn: '40000-s:80' },
      { kind: 'drop', endpoint: 'server', from: 'client', to: 'server', id: 3 },
      { kind: 'drop', endpoint: 'server', from: '10.99.0.2', to: 'server', id: 0 },
      { kind: 'timer', endpoint: 'server', conn: '80-10.99.0.1:1025' },
    ];
    expect(spoofedEvents(trace)).toEqual([false, true, true, true, false, false, true, true]);
  });

  it('shows the first spoofed item of each shape and every other item in place, folding the rest', () => {
    const items = ['SYN 1', 'SYN 2', 'SYN 3', 'client SYN', 'SYN 4', 'drop 5', 'SYN 6', 'drop 7', 'SYN 8'];
    const spoofed = items.map((s) => !s.startsWith('client'));
    expect(foldSpoofed(items, spoofed, (n) => `… ${n} more …`)).toEqual([
      'SYN 1',
      '… 2 more …',
      'client SYN',
      'SYN 4',
      'drop 5',
      '… 3 more …',
    ]);
  });
});

/** Rows of the ladder that start with a time (one per drawn event in the wide layout; zh has no "s"). */
const eventRows = (stdout: string) => stdout.split('\n').filter((l) => /^\s*\d+\.\d{3}( s)? {2}/.test(l));
const hiddenCount = (stdout: string) =>
  [...stdout.matchAll(/… (\d+) more …|…… 另有 (\d+) 个同类事件 ……/g)].reduce(
    (sum, m) => sum + Number(m[1] ?? m[2]),
    0,
  );

describe('synack run syn-flood --fold', () => {
  it('fits in far fewer lines, counts every hidden row, keeps every client row; --full shows all', async () => {
    const [full, folded, zh] = await Promise.all([
      synack(['run', 'syn-flood', '--no-color', '--full']),
      synack(['run', 'syn-flood', '--no-color', '--fold']),
      synack(['run', 'syn-flood', '--no-color', '--fold', '--lang', 'zh']),
    ]);
    const fullLines = full.stdout.split('\n').length;
    const foldedLines = folded.stdout.split('\n').length;
    expect(fullLines).toBeGreaterThan(900);
    // About one screen (issue 21 item 6): the flood folds around the client's interleaved retries.
    expect(foldedLines).toBeLessThanOrEqual(70);
    expect(zh.stdout.split('\n').length).toBeLessThanOrEqual(70);
    expect(full.stdout).not.toMatch(/more …/);
    expect(eventRows(folded.stdout).length + hiddenCount(folded.stdout)).toBe(eventRows(full.stdout).length);
    // The client's rows (its lane is the first) are all there: none belongs to a run.
    const clientRows = (s: string) => eventRows(s).filter((l) => /^\s*\d+\.\d{3} s {2}[^│\s]/.test(l));
    expect(clientRows(folded.stdout)).toEqual(clientRows(full.stdout));
    expect(eventRows(zh.stdout).length + hiddenCount(zh.stdout)).toBe(eventRows(full.stdout).length);
    // The story is still told: the flood, the first half-open entry, the first drop of the full
    // queue, the first SYN-ACK retransmission, the first expiry, every SYN of the client, its timeout.
    for (const story of [
      'app: SYN flood of 400 spoofed SYNs',
      'LISTEN → SYN_RECEIVED',
      'SYN discarded (syn-queue-full)',
      'RTO expired: retransmit SYN-ACK (#1',
      'SYN_RECEIVED → CLOSED',
      'app: closed (timeout)',
    ])
      expect(folded.stdout).toContain(story);
    expect(clientRows(folded.stdout).filter((l) => / SYN seq=0 /.test(l))).toHaveLength(7);
    expect(zh.stdout).toMatch(/…… 另有 \d+ 个同类事件 ……/);
    expect(zh.stdout).not.toMatch(/more/);
  });

  it('leaves a piped ladder whole by default, and rejects --fold with --full or jsonl', async () => {
    const [plain, both, jsonl] = await Promise.all([
      synack(['run', 'syn-flood', '--no-color']),
      synack(['run', 'handshake', '--fold', '--full']),
      synack(['run', 'handshake', '--fold', '--format', 'jsonl']),
    ]);
    expect(plain.stdout).not.toMatch(/more …/);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--fold and --full/);
    expect(jsonl.code).toBe(2);
    expect(jsonl.stderr).toMatch(/--fold lays out the text ladder/);
  });
});
