/**
 * `synack why <question>`: answers a textbook "why" by running a contrasting PAIR of scenarios
 * (the real worker-thread simulation, through runScenario), printing both ladders compactly and
 * a short account of the difference computed from the two traces. Every text comes from the
 * explain catalogues (explain/en.ts, explain/zh.ts).
 */
import type { RunResult, TraceEvent } from '@synack/network';
import { type Command, Option } from 'commander';
import { createColors } from 'picocolors';
import { explainAnnotator, format, LANGS, type Lang, type MessageKey } from './explain/index.js';
import { renderLadder, traceEndpoints } from './ladder.js';
import { type Output, runScenario, textWidth } from './run.js';
import { findScenario, type Scenario } from './scenarios.js';
import { InputError } from './schema.js';
import { fitLines, WIDTH_BOUNDS, widestLine, widthArg } from './terminal-width.js';

type Params = Record<string, string | number>;
type T = (key: MessageKey, params?: Params) => string;
type SendEvent = Extract<TraceEvent, { kind: 'send' | 'deliver' | 'drop' | 'duplicate' }>;

interface Run {
  scenario: Scenario;
  result: RunResult;
}

interface WhyQuestion {
  name: string;
  /** The two contrasting scenarios. */
  pair(): [Scenario, Scenario];
  /** Lines describing run A and run B (computed from the traces). */
  contrast(a: Run, b: Run, t: T, lang: Lang): [string, string];
}

const PORT = 80;
const LAN = { delay: 10 };
const listen = { at: 0, do: 'listen' as const, port: PORT };

function builtIn(name: string): Scenario {
  const s = findScenario(name);
  if (!s) throw new Error(`why: built-in scenario "${name}" is missing`);
  return s;
}

// -------------------------------------------------------------------------------------------
// Reading the traces

function sends(trace: readonly TraceEvent[], from?: string): SendEvent[] {
  return trace.filter((e): e is SendEvent => e.kind === 'send' && (from === undefined || e.from === from));
}

function appEvents(trace: readonly TraceEvent[], endpoint: string, event: string) {
  return trace.filter(
    (e): e is Extract<TraceEvent, { kind: 'app' }> =>
      e.kind === 'app' && e.endpoint === endpoint && e.event === event,
  );
}

interface ConnReport {
  conn: string;
  label?: string;
  state?: string;
  reason?: string;
  bytesSent: number;
  bytesReceived: number;
  integrityErrors: number;
}

function connections(result: RunResult, endpoint: string): ConnReport[] {
  const all = (result.summary as { connections?: Record<string, ConnReport[]> }).connections ?? {};
  return all[endpoint] ?? [];
}

function listenerStats(result: RunResult, endpoint: string): Record<string, number> {
  const all = (result.summary as { listeners?: Record<string, Record<string, Record<string, number>>> })
    .listeners;
  return all?.[endpoint]?.[String(PORT)] ?? {};
}

/** The states one endpoint's first connection went through, "LISTEN → SYN_RECEIVED → CLOSED". */
function statePath(trace: readonly TraceEvent[], endpoint: string): string {
  const states: string[] = [];
  let conn: string | undefined;
  for (const e of trace) {
    // The listening socket's own line (role "listener") is not a connection's.
    if (e.kind !== 'state' || e.endpoint !== endpoint || e.role === 'listener') continue;
    conn ??= e.conn;
    if (e.conn !== conn) continue;
    if (states.length === 0) states.push(e.from);
    states.push(e.to);
  }
  return states.filter((s, i) => !(i === 0 && s === 'CLOSED')).join(' → ');
}

function duration(ms: number, t: T): string {
  return ms < 1000 ? t('unit.ms', { n: ms }) : t('unit.s', { n: Number((ms / 1000).toFixed(3)) });
}

function at(ms: number, t: T): string {
  return t('unit.s', { n: (ms / 1000).toFixed(3) });
}

// -------------------------------------------------------------------------------------------
// The questions

const oldSyn = {
  at: 0,
  do: 'raw' as const,
  to: 'server',
  // A SYN of an earlier incarnation of client:40000 → server:80, still wandering the network.
  segment: { srcPort: 40000, dstPort: PORT, seq: 90, flags: ['SYN' as const] },
};

const twoWayHandshake: WhyQuestion = {
  name: 'two-way-handshake',
  pair() {
    const server = (twoWay: boolean) => ({
      id: 'server',
      ...(twoWay ? { profileOverrides: { twoWayHandshake: true } } : {}),
      actions: [listen],
      // The server application answers every new connection with 1000 bytes.
      reactions: [{ on: 'accept' as const, do: 'send' as const, bytes: 1000 }],
    });
    const base = {
      network: { default: LAN },
      endpoints: [{ id: 'client', actions: [oldSyn] }],
    };
    return [
      {
        name: 'two-way-handshake/tcp',
        description: 'An old duplicate SYN reaches a TCP listener.',
        ...base,
        endpoints: [...base.endpoints, server(false)],
      },
      {
        name: 'two-way-handshake/not-tcp',
        description: 'NOT TCP: the same old SYN reaches a listener using a two-way handshake.',
        ...base,
        endpoints: [...base.endpoints, server(true)],
      },
    ];
  },
  contrast(a, b, t) {
    const line = (run: Run, key: MessageKey) =>
      t(key, {
        states: statePath(run.result.trace, 'server'),
        accepted: appEvents(run.result.trace, 'server', 'accept').length,
        bytes: appEvents(run.result.trace, 'server', 'send').reduce((n, e) => n + Number(e.bytes ?? 0), 0),
      });
    return [line(a, 'why.two-way-handshake.ra'), line(b, 'why.two-way-handshake.rb')];
  },
};

/** Segments of the close: every FIN, and the first ACK of each FIN. */
function closeSegments(trace: readonly TraceEvent[]) {
  const all = sends(trace).filter((e) => !e.seg.flags.includes('RST'));
  const fins = new Map<string, number>();
  const acked = new Set<string>();
  const out: SendEvent[] = [];
  for (const e of all) {
    const f = e.seg.flags;
    if (f.includes('FIN') && !fins.has(e.from)) {
      fins.set(e.from, (e.seg.seq + e.seg.len) >>> 0);
      const other = [...fins.entries()].find(([side]) => side !== e.from);
      if (other && e.seg.ack === (other[1] + 1) >>> 0) acked.add(e.from);
      out.push(e);
      continue;
    }
    const other = [...fins.entries()].find(([side]) => side !== e.from);
    if (other && !acked.has(e.from) && f.includes('ACK') && e.seg.ack === (other[1] + 1) >>> 0) {
      acked.add(e.from);
      out.push(e);
    }
  }
  return out;
}

const fourWayClose: WhyQuestion = {
  name: 'four-way-close',
  pair() {
    return [
      builtIn('half-close'),
      {
        name: 'three-way-close',
        description: 'The client sends a request and closes; the server closes as soon as it reads EOF.',
        endpoints: [
          {
            id: 'client',
            actions: [
              { at: 0, do: 'connect', to: 'server', port: PORT },
              { at: 100, do: 'send', bytes: 200 },
              { at: 150, do: 'close' },
            ],
          },
          { id: 'server', actions: [listen], reactions: [{ on: 'peer-closed', do: 'close', after: 0 }] },
        ],
        network: { default: LAN },
      },
    ];
  },
  contrast(a, b, t) {
    const ra = (() => {
      const trace = a.result.trace;
      const close = closeSegments(trace);
      const ack = close.find((e) => e.from === 'server' && !e.seg.flags.includes('FIN'));
      const fin = close.find((e) => e.from === 'server' && e.seg.flags.includes('FIN'));
      const data = sends(trace, 'server').filter((e) => e.state === 'CLOSE_WAIT' && e.seg.len > 0);
      // The FIN's arrival at the server: its ACK follows at once or after the delayed-ACK timer.
      const clientFin = close.find((e) => e.from === 'client' && e.seg.flags.includes('FIN'));
      const finIn = trace.find((e) => e.kind === 'deliver' && e.id === clientFin?.id);
      const ackDelay = ack && finIn ? ack.t - finIn.t : 0;
      return t('why.four-way-close.ra', {
        ackWhen:
          ackDelay > 0 ? t('why.ackWhen.delayed', { delay: duration(ackDelay, t) }) : t('why.ackWhen.now'),
        bytes: data.reduce((n, e) => n + e.seg.len, 0),
        segments: data.length,
        gap: ack && fin ? duration(fin.t - ack.t, t) : '?',
        count: close.length,
      });
    })();
    const rb = (() => {
      const close = closeSegments(b.result.trace);
      const serverClose = close.filter((e) => e.from === 'server');
      const combined = serverClose.length === 1 && serverClose[0].seg.flags.includes('FIN');
      return t('why.four-way-close.rb', {
        combined: t(combined ? 'why.combined.yes' : 'why.combined.no'),
        count: close.length,
      });
    })();
    return [ra, rb];
  },
};

const timeWait: WhyQuestion = {
  name: 'time-wait',
  pair() {
    const withTw = builtIn('lost-final-ack');
    const withoutTw: Scenario = {
      ...withTw,
      name: 'lost-final-ack/no-time-wait',
      description: `${withTw.description} Here the client has no TIME_WAIT (timeWait = 0).`,
      endpoints: withTw.endpoints.map((e) =>
        e.id === 'client' ? { ...e, profileOverrides: { ...e.profileOverrides, timeWait: 0 } } : e,
      ),
      expect: undefined,
    };
    return [withTw, withoutTw];
  },
  contrast(a, b, t) {
    const line = (run: Run, key: MessageKey) => {
      const trace = run.result.trace;
      const client = sends(trace, 'client');
      const entry = trace.find((e) => e.kind === 'state' && e.endpoint === 'client' && e.to === 'TIME_WAIT');
      const exit = trace.find((e) => e.kind === 'state' && e.endpoint === 'client' && e.from === 'TIME_WAIT');
      const closed = appEvents(trace, 'server', 'closed')[0];
      // 2MSL runs from the last ACK sent in TIME_WAIT (each one restarts the timer).
      const restart = Math.max(
        entry?.t ?? 0,
        ...client.filter((e) => e.state === 'TIME_WAIT' && exit && e.t <= exit.t).map((e) => e.t),
      );
      return t(key, {
        wait: entry && exit ? duration(exit.t - restart, t) : '?',
        acks: client.filter((e) => e.state === 'TIME_WAIT' && e.seg.flags.join(',') === 'ACK').length,
        rsts: client.filter((e) => e.seg.flags.includes('RST')).length,
        reason: closed?.reason ? t(`why.reason.${closed.reason}` as MessageKey) : '?',
      });
    };
    return [line(a, 'why.time-wait.ra'), line(b, 'why.time-wait.rb')];
  },
};

const randomIsn: WhyQuestion = {
  name: 'random-isn',
  pair() {
    const scenario = (fixed: boolean): Scenario => ({
      name: fixed ? 'reused-4-tuple/fixed-isn' : 'reused-4-tuple/rfc6528-isn',
      description:
        'The client connects from port 40000, sends 100 bytes (that segment is held 2 s in the network; its retransmission gets through) and closes; ' +
        'after a short TIME_WAIT (200 ms here) it connects again from the same port, sends nothing, and aborts at 2.3 s.',
      maxTime: 60_000,
      endpoints: [
        {
          id: 'client',
          ...(fixed ? { fixedIsn: 1000 } : {}),
          // Timestamps off on both sides: with them PAWS (RFC 7323 §5) drops the old segment by its
          // TSval whatever the ISNs; this lesson is about the sequence numbers alone.
          profileOverrides: { timeWait: 200, timestamps: false },
          actions: [
            { at: 0, do: 'connect', to: 'server', port: PORT, localPort: 40000, as: 'first' },
            { at: 100, do: 'send', bytes: 100, conn: 'first' },
            { at: 600, do: 'close', conn: 'first' },
            { at: 1000, do: 'connect', to: 'server', port: PORT, localPort: 40000, as: 'second' },
            { at: 2300, do: 'abort', conn: 'second' },
          ],
        },
        {
          id: 'server',
          ...(fixed ? { fixedIsn: 5000 } : {}),
          profileOverrides: { timestamps: false },
          actions: [listen],
          reactions: [{ on: 'peer-closed', do: 'close', after: 0 }],
        },
      ],
      network: {
        default: LAN,
        faults: [
          {
            match: { from: 'client', minLen: 1 },
            action: { delay: 2000 },
            label: 'an old segment lingers in the network',
          },
        ],
      },
    });
    return [scenario(true), scenario(false)];
  },
  contrast(a, b, t) {
    const line = (run: Run, key: MessageKey) => {
      const trace = run.result.trace;
      const syns = sends(trace, 'client').filter(
        (e) => e.conn && e.seg.flags.join(',') === 'SYN' && !e.retransmit,
      );
      const old = sends(trace, 'client').find((e) => e.seg.len > 0 && (e.delay ?? 0) >= 2000);
      const arrived = old && trace.find((e) => e.kind === 'deliver' && e.id === old.id);
      const second = connections(run.result, 'client').find((c) => c.label === 'second');
      const serverConns = connections(run.result, 'server');
      const newServer = serverConns[serverConns.length - 1];
      // ACKs exchanged on the new connection between the old segment's arrival and the abort.
      const acks = arrived
        ? sends(trace).filter((e) => e.t >= arrived.t && e.seg.flags.join(',') === 'ACK' && e.seg.len === 0)
            .length
        : 0;
      const isn1 = syns[0]?.seg.seq ?? 0;
      const isn2 = syns[1]?.seg.seq ?? 0;
      return t(key, {
        isn1,
        isn2,
        distance: Math.abs((isn2 - isn1) | 0),
        seq: old?.seg.seq ?? '?',
        len: old?.seg.len ?? '?',
        sent: old ? at(old.t, t) : '?',
        arrived: arrived ? at(arrived.t, t) : '?',
        rx: newServer?.bytesReceived ?? '?',
        tx: second?.bytesSent ?? '?',
        errors: newServer?.integrityErrors ?? '?',
        acks,
      });
    };
    return [line(a, 'why.random-isn.ra'), line(b, 'why.random-isn.rb')];
  },
};

const synFlood: WhyQuestion = {
  name: 'syn-flood',
  pair() {
    return [builtIn('syn-flood'), builtIn('syn-cookies')];
  },
  contrast(a, b, t) {
    const outcome = (run: Run) => {
      const trace = run.result.trace;
      const connected = appEvents(trace, 'client', 'connected')[0];
      if (connected) return t('why.outcome.connected', { t: at(connected.t, t) });
      const timeout = appEvents(trace, 'client', 'closed').find((e) => e.reason === 'timeout');
      if (timeout) return t('why.outcome.timeout', { t: at(timeout.t, t) });
      return t('why.outcome.none');
    };
    const clientSyns = (run: Run) =>
      sends(run.result.trace, 'client').filter((e) => e.seg.flags.join(',') === 'SYN').length;
    const sa = listenerStats(a.result, 'server');
    const sb = listenerStats(b.result, 'server');
    const backlog = Number(appEvents(a.result.trace, 'server', 'listen')[0]?.backlog);
    return [
      t('why.syn-flood.ra', {
        peak: sa.synQueuePeak ?? '?',
        // Linux holds backlog + 1 entries (the full test is qlen > backlog; measured: 9 for listen(8)).
        peakNote: (sa.synQueuePeak ?? 0) > backlog ? t('why.syn-flood.peakNote') : '',
        drops: sa.synQueueDrops ?? '?',
        syns: clientSyns(a),
        outcome: outcome(a),
      }),
      t('why.syn-flood.rb', { cookies: sb.cookiesSent ?? '?', syns: clientSyns(b), outcome: outcome(b) }),
    ];
  },
};

/**
 * Why the first SYN carries no data: A is handshake-with-data (the first bytes ride on the third
 * segment, one round trip after the SYN); in B an old duplicate SYN of client:40000 carrying 100
 * bytes reaches the listener, which acknowledges only the SYN (Linux tcp_conn_request without a
 * Fast Open cookie drops the data: conformance/listen-syn-with-data.pkt).
 */
const synData: WhyQuestion = {
  name: 'syn-data',
  pair() {
    const staleSynWithData = {
      ...oldSyn,
      segment: { ...oldSyn.segment, len: 100 },
    };
    return [
      builtIn('handshake-with-data'),
      {
        name: 'syn-data/stale-syn',
        description: 'An old duplicate SYN carrying 100 bytes reaches a TCP listener.',
        network: { default: LAN },
        endpoints: [
          { id: 'client', actions: [staleSynWithData] },
          { id: 'server', actions: [listen] },
        ],
      },
    ];
  },
  contrast(a, b, t) {
    const received = (run: Run) =>
      connections(run.result, 'server').reduce((n, c) => n + (c.bytesReceived ?? 0), 0);
    const firstData = sends(a.result.trace, 'client').find((e) => e.seg.len > 0);
    const synAck = sends(b.result.trace, 'server').find((e) => e.seg.flags.join(',') === 'SYN,ACK');
    return [
      t('why.syn-data.ra', {
        sent: firstData ? at(firstData.t, t) : '?',
        rx: received(a),
      }),
      t('why.syn-data.rb', {
        ack: synAck ? `${synAck.seg.ack}` : '?',
        rx: received(b),
        rsts: sends(b.result.trace, 'client').filter((e) => e.seg.flags.includes('RST')).length,
      }),
    ];
  },
};

/**
 * Why ISNs must be unpredictable to an off-path attacker (RFC 6528 §1): A is isn-spoofing (RFC
 * 793's bare clock: the attacker's extrapolated guess is exact and the server's application takes
 * 100 forged bytes), B is isn-spoofing-rfc6528 (the keyed hash: the guess misses, RST).
 */
const isnGuessing: WhyQuestion = {
  name: 'isn-guessing',
  pair() {
    return [builtIn('isn-spoofing'), builtIn('isn-spoofing-rfc6528')];
  },
  contrast(a, b, t) {
    const facts = (run: Run) => {
      const trace = run.result.trace;
      const guess = appEvents(trace, 'attacker', 'isn-guess')[0];
      const [addr] = String(guess?.spoofed ?? '').split(':');
      const toSpoofed = sends(trace, 'server').filter((e) => e.to === addr);
      const synAck = toSpoofed.find((e) => e.seg.flags.includes('SYN'));
      const spoofedConn = synAck && 'conn' in synAck ? synAck.conn : undefined;
      const data = appEvents(trace, 'server', 'data').filter((e) => e.conn === spoofedConn);
      return {
        guess: String(guess?.guess ?? '?'),
        rate: String(guess?.perSecond ?? '?'),
        actual: synAck?.seg.seq ?? '?',
        bytes: data.reduce((n, e) => n + Number(e.bytes ?? 0), 0),
        rsts: toSpoofed.filter((e) => e.seg.flags.includes('RST')).length,
      };
    };
    return [t('why.isn-guessing.ra', facts(a)), t('why.isn-guessing.rb', facts(b))];
  },
};

export const WHY_QUESTIONS: readonly WhyQuestion[] = [
  twoWayHandshake,
  synData,
  fourWayClose,
  timeWait,
  randomIsn,
  synFlood,
  isnGuessing,
];

// -------------------------------------------------------------------------------------------
// Compact ladders

const IPV4 = /^\d+\.\d+\.\d+\.\d+$/;
/** Flood events shown before the rest are folded into one line. */
const FLOOD_SHOWN = 6;

/** Is this event part of a SYN flood's noise (spoofed SYNs, answers into the void, their half-open entries)? */
function floodNoise(e: TraceEvent, flooders: Set<string>, spoofed: Set<string>): boolean {
  switch (e.kind) {
    case 'send':
    case 'deliver':
    case 'drop':
    case 'duplicate':
      return (
        (flooders.has(e.from) && !e.conn) ||
        IPV4.test(e.from) ||
        IPV4.test(e.to) ||
        (e.conn !== undefined && spoofed.has(`${e.endpoint}|${e.conn}`))
      );
    case 'state':
    case 'timer':
      return spoofed.has(`${e.endpoint}|${e.conn}`);
    case 'app':
      return e.conn !== undefined && spoofed.has(`${e.endpoint}|${e.conn}`);
    default:
      return false;
  }
}

/**
 * The trace without most of a SYN flood: the first few flood events stay, then one line says
 * how many were left out. Returns the kept events and, per kept index, the original index.
 */
function compactTrace(trace: readonly TraceEvent[]): {
  events: TraceEvent[];
  original: number[];
  hiddenAfter: Map<number, number>;
} {
  const flooders = new Set<string>();
  const spoofed = new Set<string>();
  for (const e of trace) {
    if (e.kind === 'app' && e.event === 'syn-flood') flooders.add(e.endpoint);
    if (e.kind === 'send' && e.conn && IPV4.test(e.to)) spoofed.add(`${e.from}|${e.conn}`);
  }
  const events: TraceEvent[] = [];
  const original: number[] = [];
  const hiddenAfter = new Map<number, number>();
  let shown = 0;
  // The note goes under the last event the ladder draws (deliveries and the summary draw nothing).
  let lastDrawn = -1;
  trace.forEach((e, i) => {
    if (floodNoise(e, flooders, spoofed)) {
      if (shown < FLOOD_SHOWN) shown++;
      else {
        if (lastDrawn >= 0) hiddenAfter.set(lastDrawn, (hiddenAfter.get(lastDrawn) ?? 0) + 1);
        return;
      }
    }
    events.push(e);
    original.push(i);
    if (e.kind !== 'deliver' && e.kind !== 'summary') lastDrawn = events.length - 1;
  });
  return { events, original, hiddenAfter };
}

// -------------------------------------------------------------------------------------------
// The command

interface WhyOptions {
  lang?: Lang;
  explain?: boolean;
  color?: boolean;
  /** --width: columns the answer fits in (default: the terminal's, when stdout is one). */
  width?: number;
  /** --compact: compact ladders and wrapped prose (80 columns unless --width), as `synack run`. */
  compact?: boolean;
}

/** How an answer is laid out: `width` undefined keeps the wide ladders and unwrapped prose (pipes). */
interface WhyLayout {
  width: number | undefined;
  compact: boolean;
}

const SILENT: Output = { out: () => {}, err: () => {}, isTTY: false };

/** Answers one question; resolves to the exit code (0, or 1 when a run failed). */
async function runWhy(question: string | undefined, options: WhyOptions, io: Output): Promise<number> {
  const lang = options.lang ?? 'en';
  const t: T = (key, params) => format(lang, key, params);
  if (question === undefined) {
    io.out(`${t('why.usage')}\n\n${t('why.list')}\n`);
    const width = Math.max(...WHY_QUESTIONS.map((q) => q.name.length));
    for (const q of WHY_QUESTIONS)
      io.out(`  ${q.name.padEnd(width)}  ${t(`why.${q.name}.q` as MessageKey)}\n`);
    return 0;
  }
  const q = WHY_QUESTIONS.find((x) => x.name === question);
  if (!q) {
    throw new InputError(t('why.unknown', { question, known: WHY_QUESTIONS.map((x) => x.name).join(', ') }));
  }
  const color = options.color ?? io.color ?? io.isTTY;
  const c = createColors(color);
  const layout: WhyLayout = { width: textWidth(options, io), compact: options.compact === true };
  // Prose (question, setup, contrast, moral) wraps at the width like `synack run`'s headers.
  const out = (text: string) => io.out(layout.width === undefined ? text : fitLines(text, layout.width, 4));
  const [sa, sb] = q.pair();
  const runs: Run[] = [];
  for (const scenario of [sa, sb]) {
    const outcome = await runScenario(scenario, { format: 'jsonl' }, SILENT);
    runs.push({ scenario, result: outcome.result });
  }
  const [a, b] = runs;
  out(`${c.bold(`synack why ${q.name}`)}: ${t(`why.${q.name}.q` as MessageKey)}\n`);
  out(`${c.dim(t(`why.${q.name}.setup` as MessageKey))}\n\n`);
  const labels: Array<[MessageKey, MessageKey, Run]> = [
    ['why.runA', `why.${q.name}.a` as MessageKey, a],
    ['why.runB', `why.${q.name}.b` as MessageKey, b],
  ];
  let failed = false;
  for (const [which, title, run] of labels) {
    out(`${c.bold(t(which, { title: t(title) }))}\n`);
    out(compactLadder(run.result.trace, lang, options.explain ?? false, color, t, layout));
    out('\n');
    if (!run.result.ok) {
      failed = true;
      out(
        `${c.red(t('why.failed', { which: which === 'why.runA' ? 'A' : 'B', error: String(run.result.error) }))}\n\n`,
      );
    }
  }
  const [ra, rb] = q.contrast(a, b, t, lang);
  out(`${c.bold(t('why.differs'))}\n  • ${ra}\n  • ${rb}\n\n${t(`why.${q.name}.moral` as MessageKey)}\n`);
  return failed ? 1 : 0;
}

function compactLadder(
  trace: readonly TraceEvent[],
  lang: Lang,
  explain: boolean,
  color: boolean,
  t: T,
  layout: WhyLayout,
): string {
  const { events, original, hiddenAfter } = compactTrace(trace);
  const narration = explain ? explainAnnotator(lang)(trace) : undefined;
  const endpoints = traceEndpoints(trace);
  const draw = (compact: boolean) =>
    renderLadder(events, {
      color,
      lang,
      endpoints,
      compact,
      width: layout.width,
      ...(compact ? {} : { laneWidth: endpoints.length > 2 ? 30 : 40 }),
      annotate: (event, index) => {
        const lines = narration?.(event, original[index]) ?? [];
        const hidden = hiddenAfter.get(index);
        return hidden ? [...lines, t('why.hidden', { n: hidden })] : lines;
      },
    });
  // The wide ladder when it fits (or no width is known), otherwise the compact one (as run.ts).
  const wide = layout.compact ? undefined : draw(false);
  if (wide !== undefined && (layout.width === undefined || widestLine(wide) <= layout.width)) return wide;
  return draw(true);
}

/** Registers `synack why [question]` on the program. */
export function registerWhy(program: Command, io: Output, setExit: (code: number) => void): void {
  program
    .command('why')
    .description(
      'answer a textbook "why" by running two contrasting scenarios (no argument: list the questions)',
    )
    .argument('[question]', WHY_QUESTIONS.map((q) => q.name).join(' | '))
    .addOption(new Option('--lang <lang>', 'language of the explanation').choices(LANGS).default('en'))
    .option('--explain', 'narrate every step of both ladders')
    .option('--no-color', 'never colour the output')
    .option(
      '--width <n>',
      `columns the answer fits in, ${WIDTH_BOUNDS.min}..${WIDTH_BOUNDS.max} (default: the terminal's; none when piped)`,
      widthArg,
    )
    .option('--compact', 'compact ladders and wrapped prose (80 columns unless --width)')
    .action(async (question: string | undefined, opts: Record<string, unknown>) => {
      const code = await runWhy(
        question,
        {
          lang: opts.lang as Lang,
          explain: opts.explain === true,
          color: opts.color === false ? false : undefined,
          width: opts.width as number | undefined,
          compact: opts.compact === true,
        },
        io,
      );
      setExit(code);
    });
}
