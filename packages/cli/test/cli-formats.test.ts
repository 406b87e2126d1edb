/**
 * Output formats and global flags of the real binary: --format jsonl / mermaid,
 * --pcap (read back with tshark), --realtime, --profile, --help, --version.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, CLI_DIR, type CliResult, describeResult, REPO, synack, tempDir, userEnv } from './helpers.js';

interface TraceLine {
  t: number;
  kind: string;
  endpoint: string;
  [key: string]: unknown;
}

interface SendLine extends TraceLine {
  kind: 'send';
  from: string;
  to: string;
  id: number;
  seg: {
    srcPort: number;
    dstPort: number;
    seq: number;
    ack: number;
    flags: string[];
    len: number;
    win: number;
    mss?: number;
  };
}

// 'meta' is the stream's first line (written by the CLI, see the trace contract in packages/network/README.md).
const KINDS = ['meta', 'send', 'deliver', 'drop', 'duplicate', 'state', 'app', 'timer', 'summary'];

/** Parses stdout as JSON Lines; fails (naming the line) on anything that is not one JSON object per line. */
function parseJsonl(stdout: string): TraceLine[] {
  expect(stdout.endsWith('\n'), 'stdout ends with a newline').toBe(true);
  return stdout
    .slice(0, -1)
    .split('\n')
    .map((line, i) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new Error(`stdout line ${i + 1} is not JSON: ${line}`);
      }
      expect(value, `line ${i + 1}`).toBeTypeOf('object');
      expect(Array.isArray(value), `line ${i + 1}`).toBe(false);
      const v = value as TraceLine;
      expect(v.t, `line ${i + 1}: t`).toBeTypeOf('number');
      expect(v.kind, `line ${i + 1}: kind`).toBeTypeOf('string');
      expect(v.endpoint, `line ${i + 1}: endpoint`).toBeTypeOf('string');
      return v;
    });
}

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('--format jsonl', () => {
  it('writes only JSON lines to stdout, in time order, ending with the summary', async () => {
    const r = await synack(['run', 'lifecycle', '--format', 'jsonl']);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stderr).toBe('');
    const events = parseJsonl(r.stdout);
    expect(events.length).toBeGreaterThan(20);
    const times = events.map((e) => e.t);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(events.filter((e) => e.kind === 'summary')).toHaveLength(1);
    const summary = events.at(-1)!;
    expect(summary).toMatchObject({
      kind: 'summary',
      endpoint: '*',
      ok: true,
      final: { client: ['CLOSED'], server: ['CLOSED'] },
      seed: 1,
    });
    expect(summary.t).toBe(60_520);
    // The machine format carries no ladder, no colours, no verdict text.
    expect(r.stdout).not.toMatch(/\x1b\[|✓|run completed|synack run/);
    // The trace agrees with itself: 11 segments sent, each delivered.
    const sends = events.filter((e) => e.kind === 'send');
    expect(sends).toHaveLength(11);
    expect(events.filter((e) => e.kind === 'deliver')).toHaveLength(11);
    expect((summary.stats as { segmentsSent: number }).segmentsSent).toBe(11);
  });

  it('every event has a documented kind (RTO timer events are kind "timer")', async () => {
    const r = await synack(['run', 'lost-syn', '--format', 'jsonl']);
    expect(r.code, describeResult(r)).toBe(0);
    const events = parseJsonl(r.stdout);
    for (const e of events) expect(KINDS, JSON.stringify(e)).toContain(e.kind);
    // The SYN retransmission at 1 s is announced by a timer event of the client.
    expect(events.filter((e) => e.kind === 'timer')).toMatchObject([
      {
        t: 1000,
        endpoint: 'client',
        timer: 'rto',
        action: 'retransmit',
        retransmitKind: 'SYN',
        count: 1,
        rto: 1000,
      },
    ]);
  });

  it('same seed ⇒ byte-identical stdout; another seed under --loss 0.2 ⇒ a different trace', async () => {
    const [a, b, c] = await Promise.all([
      synack(['run', 'lifecycle', '--format', 'jsonl', '--loss', '0.2', '--seed', '7']),
      synack(['run', 'lifecycle', '--format', 'jsonl', '--loss', '0.2', '--seed', '7']),
      synack(['run', 'lifecycle', '--format', 'jsonl', '--loss', '0.2', '--seed', '8']),
    ]);
    for (const r of [a, b, c]) {
      // With 20 % loss the scripted lifecycle may miss its expectations (exit 1), but stdout stays JSONL.
      expect([0, 1], describeResult(r)).toContain(r.code);
      const events = parseJsonl(r.stdout);
      expect(events.at(-1)!.kind).toBe('summary');
      expect(
        r.stderr
          .split('\n')
          .filter(Boolean)
          .every((l) => l.startsWith('synack: ')),
      ).toBe(true);
    }
    expect(a.stdout).toBe(b.stdout);
    expect(a.stderr).toBe(b.stderr);
    expect(a.code).toBe(b.code);
    expect(c.stdout).not.toBe(a.stdout);
    const seedOf = (r: CliResult) => parseJsonl(r.stdout).at(-1)!.seed;
    expect(seedOf(a)).toBe(7);
    expect(seedOf(c)).toBe(8);
    // The loss really applies: some segment is dropped for "loss" in at least one of the runs.
    const lossDrops = [a, c].flatMap((r) =>
      parseJsonl(r.stdout).filter((e) => e.kind === 'drop' && e.reason === 'loss'),
    );
    expect(lossDrops.length).toBeGreaterThan(0);
  });

  it('the default seed is deterministic too (two runs of lossy-transfer agree)', async () => {
    const [a, b] = await Promise.all([
      synack(['run', 'lossy-transfer', '--format', 'jsonl']),
      synack(['run', 'lossy-transfer', '--format', 'jsonl']),
    ]);
    expect(a.code, describeResult(a)).toBe(0);
    expect(a.stdout).toBe(b.stdout);
  });
});

describe('--format mermaid', () => {
  it('lost-syn: a sequenceDiagram with client/server participants, ->> arrows and -x for the lost SYN', async () => {
    const r = await synack(['run', 'lost-syn', '--format', 'mermaid']);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('sequenceDiagram');
    expect(lines.slice(1, 3)).toEqual(['  participant client', '  participant server']);
    for (const line of lines.slice(1)) {
      expect(line).toMatch(/^ {2}(participant \w+|Note over [\w,]+: .+|\w+(->>|-x|-\))\w+: .+)$/);
      // ";" and "#" would break Mermaid's parser.
      expect(line).not.toMatch(/[;#]/);
    }
    const lost = lines.filter((l) => l.includes('-x'));
    expect(lost).toEqual(['  client-xserver: SYN seq=0 LOST (targeted: drop the first SYN)']);
    expect(lines).toContain('  client->>server: SYN seq=0 (retransmission)');
    expect(lines).toContain('  server->>client: SYN,ACK seq=0 ack=1');
    expect(lines).toContain('  client->>server: ACK seq=1 ack=1');
    expect(lines.indexOf(lost[0])).toBeLessThan(
      lines.indexOf('  client->>server: SYN seq=0 (retransmission)'),
    );
    expect(lines).toContain('  Note over client: ESTABLISHED');
    expect(lines).toContain('  Note over server: ESTABLISHED');
    expect(r.stdout).not.toMatch(/\x1b\[|✓|run completed/);
  });

  it('lifecycle: one arrow per segment sent, and a note for every state change', async () => {
    const [m, j] = await Promise.all([
      synack(['run', 'lifecycle', '--format', 'mermaid']),
      synack(['run', 'lifecycle', '--format', 'jsonl']),
    ]);
    expect(m.code, describeResult(m)).toBe(0);
    const events = parseJsonl(j.stdout);
    const lines = m.stdout.trimEnd().split('\n');
    const arrowLines = lines.filter((l) => /^ {2}\w+(->>|-x)\w+: /.test(l));
    const sends = events.filter((e): e is SendLine => e.kind === 'send');
    expect(arrowLines).toHaveLength(sends.length);
    arrowLines.forEach((line, i) => {
      expect(
        line.startsWith(`  ${sends[i].from}->>${sends[i].to}: ${sends[i].seg.flags.join(',')} `),
        line,
      ).toBe(true);
    });
    const notes = lines.filter((l) => l.startsWith('  Note over '));
    const states = events.filter((e) => e.kind === 'state');
    expect(notes).toEqual(states.map((s) => `  Note over ${s.endpoint}: ${s.to}`));
  });
});

// ---------------------------------------------------------------------------
// pcap, read back with tshark

const TSHARK_HINT =
  'tshark (the Wireshark command-line reader) is required to check --pcap output and was not found on PATH. ' +
  'Install it: Debian/Ubuntu `sudo apt-get install -y tshark`, Fedora `sudo dnf install wireshark-cli`, ' +
  'macOS `brew install wireshark`, Alpine `apk add tshark`.';

function tshark(args: string[]): string {
  const r = spawnSync('tshark', args, {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, LC_ALL: 'C.UTF-8' },
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(TSHARK_HINT);
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`tshark ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

let names: Set<string> | undefined;
/** Every field and protocol name this tshark knows (`tshark -G fields` / `-G protocols`), read once. */
function tsharkNames(): Set<string> {
  names ??= new Set(
    // Fields: "F<TAB>name<TAB>abbrev…"; protocols: "name<TAB>short name<TAB>abbrev".
    [...tshark(['-G', 'fields']).split('\n'), ...tshark(['-G', 'protocols']).split('\n')].map(
      (l) => l.split('\t')[2],
    ),
  );
  return names;
}

/** The TCP flag letters tshark's tcp.flags.str shows for a list of flag names. */
function flagLetters(flags: readonly string[]): string {
  const letter: Record<string, string> = { URG: 'U', ACK: 'A', PSH: 'P', RST: 'R', SYN: 'S', FIN: 'F' };
  return flags
    .map((f) => letter[f])
    .sort()
    .join('');
}

const FIELDS = [
  'frame.time_epoch',
  'ip.src',
  'ip.dst',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.flags.str',
  'tcp.seq_raw',
  'tcp.ack_raw',
  'tcp.len',
  'tcp.window_size_value',
  'tcp.options.mss_val',
  'tcp.checksum.status',
  'ip.checksum.status',
  'tcp.stream',
];

const ADDRESS: Record<string, string> = { client: '10.0.0.1', server: '10.0.0.2' };

describe.each(['lost-syn', 'lifecycle'])('--pcap on %s', (scenario) => {
  it('is a raw-IPv4 pcap whose segments match the trace, checksums good, one TCP stream', async () => {
    // Fail (never skip) when tshark is missing.
    tshark(['--version']);

    // The field names used below exist in this tshark.
    const known = tsharkNames();
    for (const f of [...FIELDS, '_ws.malformed']) expect(known, `tshark field ${f}`).toContain(f);

    const file = join(tmp.dir, `${scenario}.pcap`);
    const r = await synack(['run', scenario, '--format', 'jsonl', '--pcap', file]);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stderr).toBe('');
    const sends = parseJsonl(r.stdout).filter((e): e is SendLine => e.kind === 'send');

    // Global header: microsecond magic written little-endian, version 2.4, LINKTYPE_RAW (101).
    const bytes = readFileSync(file);
    expect(bytes.readUInt32LE(0)).toBe(0xa1b2c3d4);
    expect(bytes.readUInt16LE(4)).toBe(2);
    expect(bytes.readUInt16LE(6)).toBe(4);
    expect(bytes.readUInt32LE(20)).toBe(101);

    const rows = tshark([
      '-r',
      file,
      '-n',
      '-o',
      'tcp.check_checksum:TRUE',
      '-o',
      'ip.check_checksum:TRUE',
      '-T',
      'fields',
      ...FIELDS.flatMap((f) => ['-e', f]),
    ])
      .trimEnd()
      .split('\n')
      .map((line) => Object.fromEntries(line.split('\t').map((v, i) => [FIELDS[i], v])));

    // Every segment as it left its sender — including the ones the network then dropped.
    expect(rows).toHaveLength(sends.length);
    if (scenario === 'lost-syn') expect(rows).toHaveLength(4);
    rows.forEach((row, i) => {
      const s = sends[i];
      const where = `frame ${i + 1} vs send #${s.id} ${JSON.stringify(s.seg)}`;
      expect(Math.round(Number(row['frame.time_epoch']) * 1000), where).toBe(s.t);
      expect(row['ip.src'], where).toBe(ADDRESS[s.from]);
      expect(row['ip.dst'], where).toBe(ADDRESS[s.to]);
      expect(Number(row['tcp.srcport']), where).toBe(s.seg.srcPort);
      expect(Number(row['tcp.dstport']), where).toBe(s.seg.dstPort);
      expect(
        row['tcp.flags.str']
          .replace(/[^A-Z]/g, '')
          .split('')
          .sort()
          .join(''),
        where,
      ).toBe(flagLetters(s.seg.flags));
      expect(Number(row['tcp.seq_raw']), where).toBe(s.seg.seq);
      expect(Number(row['tcp.ack_raw']), where).toBe(s.seg.flags.includes('ACK') ? s.seg.ack : 0);
      expect(Number(row['tcp.len']), where).toBe(s.seg.len);
      expect(Number(row['tcp.window_size_value']), where).toBe(s.seg.win);
      expect(row['tcp.options.mss_val'] === '' ? undefined : Number(row['tcp.options.mss_val']), where).toBe(
        s.seg.mss,
      );
      // 1 = "Good" (0 = bad, 2 = unverified).
      expect(row['tcp.checksum.status'], where).toBe('1');
      expect(row['ip.checksum.status'], where).toBe('1');
      expect(row['tcp.stream'], where).toBe('0');
    });

    // No frame Wireshark considers malformed.
    expect(
      tshark(['-r', file, '-n', '-Y', '_ws.malformed', '-T', 'fields', '-e', 'frame.number']).trim(),
    ).toBe('');

    // Exactly one TCP conversation, client:port <-> server:80, holding every frame.
    const conv = tshark(['-r', file, '-n', '-q', '-z', 'conv,tcp']);
    const convLines = conv.split('\n').filter((l) => l.includes('<->'));
    expect(convLines, conv).toHaveLength(1);
    const port = sends[0].seg.srcPort;
    expect(convLines[0]).toMatch(new RegExp(`^10\\.0\\.0\\.1:${port}\\s+<->\\s+10\\.0\\.0\\.2:80\\s`));
    const counts =
      /<->\s+\S+\s+(\d+)\s+[\d,.]+\s*(?:bytes|kB|B)\s+(\d+)\s+[\d,.]+\s*(?:bytes|kB|B)\s+(\d+)\s/.exec(
        convLines[0],
      );
    expect(counts, convLines[0]).not.toBeNull();
    expect(Number(counts![3])).toBe(sends.length);
    expect(Number(counts![1]) + Number(counts![2])).toBe(sends.length);
  });
});

// ---------------------------------------------------------------------------

describe('--realtime', () => {
  it('handshake --realtime 100 paces but finishes (30 ms virtual = 0.3 ms wall)', async () => {
    const r = await synack(['run', 'handshake', '--realtime', '100', '--no-color'], { timeoutMs: 15_000 });
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toMatch(/run completed at 0\.030 s virtual/);
    // No upper bound on wall time: a busy machine may be slow; timeoutMs already turns a hang into a failure.
  });

  it('takes measurable wall time: lifecycle (60.52 s virtual) at 100× lasts ≥ 0.6 s', async () => {
    const r = await synack(['run', 'lifecycle', '--realtime', '100', '--no-color'], { timeoutMs: 20_000 });
    expect(r.code, describeResult(r)).toBe(0);
    // Only a lower bound: pacing guarantees the run cannot finish sooner; a loaded machine only adds time.
    expect(r.wallMs).toBeGreaterThanOrEqual(600);
    const wall = Number(/\((\d+\.\d\d) s wall\)/.exec(r.stdout)![1]);
    expect(wall).toBeGreaterThanOrEqual(0.6);
  });

  it('handshake at 0.1× (slow motion) lasts ≥ 0.3 s; bare --realtime means 1×', async () => {
    const [slow, bare] = await Promise.all([
      synack(['run', 'handshake', '--realtime', '0.1', '--no-color'], { timeoutMs: 15_000 }),
      synack(['run', 'handshake', '--realtime', '--no-color'], { timeoutMs: 15_000 }),
    ]);
    expect(slow.code, describeResult(slow)).toBe(0);
    expect(slow.wallMs).toBeGreaterThanOrEqual(300);
    expect(Number(/\((\d+\.\d\d) s wall\)/.exec(slow.stdout)![1])).toBeGreaterThanOrEqual(0.3);
    expect(bare.code, describeResult(bare)).toBe(0);
    expect(bare.stdout).toMatch(/run completed at 0\.030 s virtual/);
  });
});

describe('--profile', () => {
  const timeWait = async (args: string[]) => {
    const r = await synack(['run', 'lifecycle', '--format', 'jsonl', ...args]);
    expect(r.code, describeResult(r)).toBe(0);
    const states = parseJsonl(r.stdout).filter((e) => e.kind === 'state' && e.endpoint === 'client');
    const enter = states.find((e) => e.to === 'TIME_WAIT')!;
    const exit = states.find((e) => e.from === 'TIME_WAIT')!;
    expect(exit.to).toBe('CLOSED');
    return { enter: enter.t, exit: exit.t, summary: parseJsonl(r.stdout).at(-1)! };
  };

  it('rfc9293 makes TIME_WAIT last 2 × MSL = 240 s (linux: 60 s)', async () => {
    const [rfc, linux] = await Promise.all([
      timeWait(['--profile', 'rfc9293']),
      timeWait(['--profile', 'linux']),
    ]);
    expect(rfc.enter).toBe(520);
    expect(rfc.exit - rfc.enter).toBe(240_000);
    expect(rfc.summary.t).toBe(240_520);
    expect(linux.exit - linux.enter).toBe(60_000);
  });

  it('the text header names the profile', async () => {
    const r = await synack(['run', 'handshake', '--profile', 'rfc9293']);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^synack run handshake {2}profile rfc9293 {2}seed 1 /);
  });
});

describe('network flags', () => {
  it('--delay/--jitter/--loss/--reorder/--duplicate/--seed show up in the header and the trace', async () => {
    const r = await synack([
      'run',
      'handshake',
      '--delay',
      '25',
      '--jitter',
      '5',
      '--loss',
      '0',
      '--reorder',
      '0.5',
      '--duplicate',
      '1',
      '--seed',
      '42',
    ]);
    // Duplicating every segment may break handshake's "exactly one" expectations (exit 1), not the run.
    expect([0, 1], describeResult(r)).toContain(r.code);
    expect(r.stdout.split('\n')[0]).toBe(
      'synack run handshake  profile linux  seed 42  delay 25 ms, jitter 5 ms, reorder 0.5, duplicate 1',
    );
    expect(r.stdout).toMatch(/DUPLICATE of #\d+/);
  });

  it('--delay sets the one-way delay (SYN-ACK leaves 25 ms after the SYN)', async () => {
    const r = await synack(['run', 'handshake', '--delay', '25', '--format', 'jsonl']);
    expect(r.code, describeResult(r)).toBe(0);
    const sends = parseJsonl(r.stdout).filter((e): e is SendLine => e.kind === 'send');
    expect(sends.map((s) => s.t)).toEqual([0, 25, 50]);
    expect(sends.every((s) => s.delay === 25)).toBe(true);
  });

  it('--max-time stops a run early: exit 1 and the reason on stdout (text) or stderr (jsonl)', async () => {
    const [text, jsonl] = await Promise.all([
      synack(['run', 'lifecycle', '--max-time', '100']),
      synack(['run', 'lifecycle', '--max-time', '100', '--format', 'jsonl']),
    ]);
    expect(text.code, describeResult(text)).toBe(1);
    expect(text.stdout).toMatch(/run failed: virtual-time limit of 100 ms reached/);
    expect(text.stdout).toMatch(/✗ run completes/);
    expect(jsonl.code, describeResult(jsonl)).toBe(1);
    const last = parseJsonl(jsonl.stdout).at(-1)!;
    expect(last).toMatchObject({ kind: 'summary', ok: false });
    expect(jsonl.stderr).toMatch(/^synack: run failed: virtual-time limit of 100 ms reached/);
    expect(jsonl.stderr).not.toMatch(/ {4}at /);
  });
});

describe('--help and --version', () => {
  const pkg = JSON.parse(readFileSync(join(CLI_DIR, 'package.json'), 'utf8')) as { version: string };

  it.each([
    [['--help'], /^Usage: synack \[options\] \[command\]/],
    [['-h'], /^Usage: synack \[options\] \[command\]/],
    [['run', '--help'], /^Usage: synack run \[options\] \[scenario\]/],
    [['list', '--help'], /^Usage: synack list \[options\]/],
    [['help', 'run'], /^Usage: synack run \[options\] \[scenario\]/],
  ])('synack %j exits 0 with usage on stdout', async (args, usage) => {
    const r = await synack(args);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toMatch(usage);
    expect(r.stderr).toBe('');
  });

  it('program help lists the commands; run help lists every flag', async () => {
    const [top, run] = await Promise.all([synack(['--help']), synack(['run', '--help'])]);
    expect(top.stdout).toMatch(/^ {2}list\b/m);
    expect(top.stdout).toMatch(/^ {2}run \[options\] \[scenario\]/m);
    for (const flag of [
      '--seed <n>',
      '--loss <p>',
      '--reorder <p>',
      '--duplicate <p>',
      '--delay <ms>',
      '--jitter <ms>',
      '--profile <name>',
      '--format <format>',
      '--pcap <file>',
      '--realtime [speed]',
      '--max-time <ms>',
      '--no-color',
    ]) {
      expect(run.stdout, flag).toContain(flag);
    }
    expect(run.stdout).toContain('choices: "linux", "rfc9293"');
    expect(run.stdout).toContain('choices: "text", "jsonl", "mermaid"');
  });

  it.each([['--version'], ['-V']])('synack %s prints 0.1.0 (the package version)', async (flag) => {
    const r = await synack([flag]);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toBe('0.1.0\n');
    expect(pkg.version).toBe('0.1.0');
    expect(r.stderr).toBe('');
  });
});

describe('a reader that stops early (synack … | head -n 1)', () => {
  it.each([
    ['jsonl', ['--format', 'jsonl']],
    ['text', ['--no-color']],
  ])('%s: the first line arrives and synack ends quietly (no EPIPE stack trace)', (_format, flags) => {
    // bash with pipefail reports synack's own exit status, not head's.
    const r = spawnSync(
      'bash',
      [
        '-c',
        `set -o pipefail; "${process.execPath}" "${BIN}" run lossy-transfer ${flags.join(' ')} | head -n 1`,
      ],
      { cwd: REPO, env: userEnv(), encoding: 'utf8', timeout: 30_000 },
    );
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr, 'stderr').not.toMatch(/EPIPE|Unhandled 'error' event| {4}at /);
    // 0, or 141 (128 + SIGPIPE) as a shell reports a process killed by SIGPIPE.
    expect([0, 141], `exit ${r.status}\n${r.stderr}`).toContain(r.status);
  });
});
