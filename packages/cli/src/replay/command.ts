/**
 * `synack replay CAPTURE`: reads a pcap/pcapng capture, splits it into TCP connections
 * (4-tuples), runs the observer (observer.ts) over each, and prints every segment with both
 * endpoints' states and a mark on each segment the model would not have sent at that moment
 * (rules.ts) — as a text ladder, as JSON Lines in the trace contract's shape, or in the
 * inspector (`--inspect`). Exit 0: no marks; 1: some segment diverges; 2: bad input.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { profiles, synackTimeout, synTimeout } from '@synack/core';
import type { EndpointInfo } from '@synack/inspector';
import type { TraceEvent } from '@synack/network';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type Annotate, format, LANGS, type Lang } from '../explain/index.js';
import { narratedStream, serveRecorded } from '../inspect.js';
import type { Output } from '../run.js';
import { InputError } from '../schema.js';
import { type CapturedSegment, MAX_CAPTURE_BYTES, readCapture } from './capture.js';
import { type ObservedConnection, observeConnection } from './observer.js';
import { replayEvents, replayText } from './render.js';
import type { RuleLimits } from './rules.js';

/** Timer slack for the RTO rules: Linux timers run on jiffies and the capture stamps in µs. */
const TIMER_TOLERANCE = 0.05;

interface Filter {
  host?: string;
  port?: number;
}

export function filterArg(value: string): Filter {
  const m = /^(?:\[?([^\]]*?)\]?)?(?::(\d{1,5}))?$/.exec(value.trim());
  const port = m?.[2] === undefined ? undefined : Number(m[2]);
  if (!m || (!m[1] && port === undefined) || (port !== undefined && port > 65_535)) {
    throw new InvalidArgumentError(`must be host:port, host or :port (port in [0, 65535]), got "${value}"`);
  }
  return { ...(m[1] ? { host: m[1] } : {}), ...(port !== undefined ? { port } : {}) };
}

function matches(seg: CapturedSegment, filter: Filter | undefined): boolean {
  if (!filter) return true;
  const end = (host: string, port: number) =>
    (filter.host === undefined || filter.host === host) &&
    (filter.port === undefined || filter.port === port);
  return end(seg.src, seg.srcPort) || end(seg.dst, seg.dstPort);
}

/** Segments grouped by connection (the unordered 4-tuple), in order of first appearance. */
export function splitConnections(segments: readonly CapturedSegment[]): Map<string, CapturedSegment[]> {
  const byKey = new Map<string, CapturedSegment[]>();
  for (const seg of segments) {
    const ends = [`${seg.src}:${seg.srcPort}`, `${seg.dst}:${seg.dstPort}`].sort();
    const key = ends.join(' ');
    let list = byKey.get(key);
    if (!list) byKey.set(key, (list = []));
    list.push(seg);
  }
  return byKey;
}

export function profileLimits(name: string): RuleLimits {
  const p = profiles[name as keyof typeof profiles];
  return {
    rtoInitial: p.rtoInitial,
    rtoMin: p.rtoMin,
    rtoMax: p.rtoMax,
    tolerance: TIMER_TOLERANCE,
    synTimeout: (n) => synTimeout(p, n),
    synackTimeout: (n) => synackTimeout(p, n),
  };
}

/** Reads, filters and observes a capture file. */
export function replayCapture(
  path: string,
  filter: Filter | undefined,
  profile: string,
): ObservedConnection[] {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    throw new InputError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (size > MAX_CAPTURE_BYTES)
    throw new InputError(`${path}: ${size} bytes is over the ${MAX_CAPTURE_BYTES}-byte limit`);
  const segments = readCapture(readFileSync(path), path).filter((s) => matches(s, filter));
  const limits = profileLimits(profile);
  return [...splitConnections(segments)].map(([key, list]) => observeConnection(key, list, limits));
}

export function registerReplay(program: Command, io: Output, setExit: (code: number) => void): void {
  program
    .command('replay')
    .description(
      "replay a real capture (pcap/pcapng) through the model: each endpoint's states and every segment the model would not have sent",
    )
    .argument('<capture>', 'a .pcap or .pcapng file (tshark -w, tcpdump -w, synack run --pcap)')
    .option(
      '--filter <host:port>',
      'only connections with this endpoint (host:port, host, or :port)',
      filterArg,
    )
    .addOption(
      new Option('--profile <profile>', 'whose rules and timers to check against')
        .choices(['linux', 'rfc9293'])
        .default('linux'),
    )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'jsonl']).default('text'))
    .option('--inspect', 'open the replay in the inspector (serves until Ctrl-C)')
    .addOption(
      new Option('--lang <lang>', 'with --inspect: language of the narration beside the ladder')
        .choices(LANGS)
        .default('en'),
    )
    .option('--exit-when-done', 'with --inspect: stop serving at once (for scripts)')
    .action(async (capture: string, opts: Record<string, unknown>) => {
      const connections = replayCapture(capture, opts.filter as Filter | undefined, opts.profile as string);
      if (connections.length === 0)
        throw new InputError(`${capture}: no TCP segments${opts.filter ? ' match --filter' : ''}`);
      const diverged = connections.some((c) => c.segments.some((s) => s.divergence));
      const events = replayEvents(connections);
      if (opts.inspect) {
        const endpoints = replayEndpoints(connections, opts.profile as string);
        const scenario = {
          name: basename(capture),
          description: `replayed capture ${capture} (${opts.profile} profile)`,
        };
        const stream = narratedStream(events as unknown as TraceEvent[], io, {
          lang: opts.lang as Lang,
          extra: divergenceNarration,
        });
        await serveRecorded(stream, scenario, endpoints, io, {
          exitWhenDone: opts.exitWhenDone === true,
        });
      } else if (opts.format === 'jsonl') {
        for (const e of events) io.out(`${JSON.stringify(e)}\n`);
      } else io.out(replayText(connections));
      setExit(diverged ? 1 : 0);
    });
}

/** A narration line under each marked send: which rule it breaks, in the page's language. */
function divergenceNarration(lang: Lang): Annotate {
  return (event) => {
    const e = event as unknown as {
      kind: string;
      state?: string;
      divergence?: { rule: string; detail: string };
    };
    if (e.kind !== 'send' || !e.divergence) return undefined;
    return [format(lang, 'replay.divergence', { state: e.state ?? '?', ...e.divergence })];
  };
}

function replayEndpoints(connections: ObservedConnection[], profile: string): EndpointInfo[] {
  const ids = new Set(connections.flatMap((c) => [c.client, c.server]));
  const timeWait = profiles[profile as keyof typeof profiles].timeWait;
  return [...ids].map((id) => ({ id, address: id.replace(/:\d+$/, ''), profile, timeWait }));
}
