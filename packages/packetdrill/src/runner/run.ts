/**
 * runScript: a packetdrill script against one simulated endpoint, in virtual time. Events run in
 * script order: `<` packets are injected at their time, `>` lines take the next segment the
 * endpoint sent and compare it (fields, then time within the tolerance), syscalls drive the socket
 * layer, a blocking call (`…T`) keeps running while the following events happen and is checked
 * when the next syscall comes (or the script ends). Exit codes as packetdrill: 0 pass, 1 mismatch,
 * 2 unparsable or unsupported. Never throws.
 */

import { Flag, seqAdd } from '@synack/core';
import type { CodeEvent, CommandEvent, Script, ScriptEvent, SyscallEvent, TcpPacketEvent } from '../ast.js';
import { formatScriptError } from '../errors.js';
import { parseScript } from '../parser.js';
import { formatEvent } from '../printer.js';
import { readShellCommand } from '../shell.js';
import { checkSupported } from '../support.js';
import { readSysctl } from '../sysctls.js';
import { readCodeBlock } from '../tcp-info.js';
import { type Tolerance, timingTolerance } from '../timing.js';
import { type Emitted, HORIZON_US, SimulatedEndpoint } from './endpoint.js';
import { Conversation } from './packets.js';
import { SocketLayer, type SyscallReturn } from './sockets.js';
import { checkAssertion, type InfoSource } from './tcp-info.js';
import {
  blockingEndOf,
  latestOf,
  type Schedule,
  scheduleOf,
  seconds,
  startOf,
  timingError,
} from './timeline.js';

export interface RunOptions {
  /** The core profile of the endpoint (default `linux`). */
  readonly profile?: string;
  /** `-D NAME=VALUE` definitions. */
  readonly defines?: Readonly<Record<string, string>>;
  /** The name errors are reported under. */
  readonly file?: string;
}

export interface RunReport {
  readonly exitCode: 0 | 1 | 2;
  /** What went wrong (packetdrill style: the failing line, expected and actual); empty on a pass. */
  readonly errors: readonly string[];
  /** Harmless notes: ignored shell commands and sysctls. */
  readonly notes: readonly string[];
}

/** A failure while running: exit code 1 (mismatch) or 2 (unsupported at run time). */
class ScriptFailure extends Error {
  constructor(
    readonly exitCode: 1 | 2,
    readonly lines: readonly string[],
  ) {
    super(lines[0]);
  }
}

export function runScript(text: string, options: RunOptions = {}): RunReport {
  const file = options.file ?? 'script.pkt';
  const parsed = parseScript(text, { defines: options.defines });
  if (!parsed.ok) return { exitCode: 2, errors: [formatScriptError(file, parsed.error)], notes: [] };
  const report = checkSupported(parsed.script);
  const notes = report.ignored.map((f) => `${file}:${f.line}: note: ${f.message}`);
  if (!report.supported) {
    const errors = report.unsupported.map((f) => `${file}:${f.line}: unsupported: ${f.message}`);
    return { exitCode: 2, errors, notes };
  }
  let runner: Runner | undefined;
  try {
    runner = new Runner(parsed.script, file, options.profile ?? 'linux');
    runner.run();
    return { exitCode: 0, errors: [], notes };
  } catch (err) {
    if (err instanceof ScriptFailure) return { exitCode: err.exitCode, errors: err.lines, notes };
    // A bug in the runner or the model must still end with a one-line error, never a stack trace.
    return {
      exitCode: 2,
      errors: [`${file}: internal error: ${(err as Error)?.message ?? String(err)}`],
      notes,
    };
  } finally {
    runner?.dispose();
  }
}

interface PendingCall {
  readonly event: SyscallEvent;
  readonly startUs: number;
  readonly endUs: number;
  readonly poll: () => SyscallReturn | undefined;
  done?: { readonly result: SyscallReturn; readonly atUs: number };
}

class Runner {
  private readonly sut: SimulatedEndpoint;
  private readonly sockets: SocketLayer;
  private readonly conversation = new Conversation();
  private readonly tolerance: Tolerance;
  /** When the previous event happened (µs): the origin of `+t`. */
  private previousUs = 0;
  private pending: PendingCall | undefined;

  constructor(
    private readonly script: Script,
    private readonly file: string,
    profile: string,
  ) {
    this.sut = new SimulatedEndpoint(profile);
    this.sockets = new SocketLayer(this.sut);
    this.tolerance = timingTolerance(script);
    for (const option of script.options) {
      const value = Number(option.value);
      if (option.name === 'mss' && Number.isInteger(value) && value >= 88 && value <= 65_535)
        this.sut.override('mss', value);
    }
    try {
      this.sut.profile();
    } catch (err) {
      throw new ScriptFailure(2, [`${file}: ${(err as Error).message}`]);
    }
  }

  run(): void {
    for (const event of this.script.events) this.runEvent(event);
    this.finishPending();
  }

  dispose(): void {
    this.sut.dispose();
  }

  private fail(event: { line: number }, message: string, detail: string[] = []): never {
    throw new ScriptFailure(1, [`${this.file}:${event.line}: ${message}`, ...detail]);
  }

  private runEvent(event: ScriptEvent): void {
    if (event.type === 'command') {
      this.runCommand(event);
      return;
    }
    const schedule = scheduleOf(event.time, this.previousUs, this.tolerance);
    if (event.type === 'packet' && event.protocol !== 'tcp')
      throw new ScriptFailure(2, [`${this.file}:${event.line}: unsupported packet`]);
    if (event.type === 'packet' && event.protocol === 'tcp') {
      if (event.direction === '<') this.inject(event, schedule);
      else this.expect(event, schedule);
    } else if (event.type === 'syscall') this.syscall(event, schedule);
    else if (event.type === 'code') this.code(event, schedule);
  }

  /** Moves virtual time to `us`, letting a blocked call notice when it can return. */
  private advance(us: number): void {
    this.sut.advanceTo(us, () => this.pollPending());
  }

  private pollPending(): void {
    const pending = this.pending;
    if (!pending || pending.done) return;
    const result = pending.poll();
    if (result) pending.done = { result, atUs: this.sut.nowUs() };
  }

  private inject(packet: TcpPacketEvent, schedule: Schedule): void {
    const at = startOf(schedule, this.sut.nowUs());
    this.advance(at);
    this.sut.get().deliver(this.conversation.inbound(packet));
    this.pollPending();
    this.previousUs = at;
  }

  private expect(packet: TcpPacketEvent, schedule: Schedule): void {
    const latest = latestOf(schedule, HORIZON_US);
    const queue = this.sut.outbound;
    while (queue.length === 0 && this.sut.nowUs() < latest) {
      const next = this.sut.nextTimerUs();
      const until = next === undefined ? latest : Math.min(next, latest);
      this.sut.advanceTo(
        until,
        () => this.pollPending(),
        () => queue.length > 0,
      );
      if (next === undefined) break;
    }
    const sent = takeBackToBack(queue, packet.seq.len);
    const script = `script packet:  ${this.expectedTime(schedule)} ${formatEvent(packet).replace(/^\S+\s+>\s*/, '')}`;
    if (!sent) this.fail(packet, 'error handling packet: timed out waiting for packet', [script]);
    this.conversation.learnIsn(packet, sent.segment);
    const actual = `actual packet:  ${seconds(sent.atUs)} ${this.conversation.describe(sent.segment)}`;
    const mismatch = this.conversation.mismatch(packet, sent.segment);
    if (mismatch) this.fail(packet, `error handling packet: ${mismatch}`, [script, actual]);
    const late = timingError(schedule, sent.atUs, 'outbound packet');
    if (late) this.fail(packet, `error handling packet: ${late}`, [script, actual]);
    this.conversation.learn(packet, sent.segment);
    this.previousUs = sent.atUs;
  }

  private expectedTime(schedule: Schedule): string {
    if (schedule.kind === 'at') return seconds(schedule.us);
    if (schedule.kind === 'window') return `${seconds(schedule.from)}~${seconds(schedule.to)}`;
    return '*';
  }

  private syscall(event: SyscallEvent, schedule: Schedule): void {
    this.finishPending();
    const start = startOf(schedule, this.sut.nowUs());
    this.advance(start);
    const endUs = blockingEndOf(event, start, this.previousUs);
    this.previousUs = start;
    const outcome = this.sockets.call(event);
    if (outcome.kind === 'unsupported')
      throw new ScriptFailure(2, [`${this.file}:${event.line}: unsupported: ${outcome.message}`]);
    if (outcome.kind === 'done') {
      this.checkReturn(event, outcome.result);
      if (event.blockingUntil !== undefined) {
        const late = timingError(this.blockingSchedule(start, endUs), start, `${event.name} to return`);
        if (late) this.fail(event, late);
      }
      return;
    }
    this.pending = { event, startUs: start, endUs, poll: outcome.poll };
    this.pollPending();
  }

  private blockingSchedule(startUs: number, endUs: number): Schedule {
    return {
      kind: 'at',
      us: endUs,
      deviation: Math.max(this.tolerance.usecs, (this.tolerance.percent / 100) * (endUs - startUs)),
    };
  }

  /** A blocked call must have returned by its scheduled time (within the tolerance). */
  private finishPending(): void {
    const pending = this.pending;
    if (!pending) return;
    const schedule = this.blockingSchedule(pending.startUs, pending.endUs);
    const latest = latestOf(schedule, HORIZON_US);
    if (!pending.done)
      this.sut.advanceTo(
        latest,
        () => this.pollPending(),
        () => pending.done !== undefined,
      );
    this.pending = undefined;
    if (!pending.done)
      this.fail(
        pending.event,
        `${pending.event.name}() still blocked at ${seconds(latest)} sec (expected to return at ${seconds(pending.endUs)} sec)`,
      );
    this.checkReturn(pending.event, pending.done.result);
    const late = timingError(schedule, pending.done.atUs, `${pending.event.name} to return`);
    if (late) this.fail(pending.event, late);
  }

  private checkReturn(event: SyscallEvent, result: SyscallReturn): void {
    if (result.mismatch) this.fail(event, `runtime error in ${event.name} call: ${result.mismatch}`);
    const expected = event.result.kind === 'int' ? event.result.value : undefined;
    const errnoOk = event.errno === undefined || event.errno === result.errno;
    if ((expected !== undefined && expected !== result.value) || (expected === -1 && !errnoOk)) {
      const got = `${result.value}${result.errno ? ` ${result.errno}` : ''}`;
      const want = `${expected ?? '...'}${event.errno ? ` ${event.errno}` : ''}`;
      this.fail(event, `runtime error in ${event.name} call: expected result ${want} but got ${got}`);
    }
  }

  private runCommand(event: CommandEvent): void {
    if (event.time)
      this.advance(startOf(scheduleOf(event.time, this.previousUs, this.tolerance), this.sut.nowUs()));
    for (const statement of readShellCommand(event.command, event.bodyAt)) {
      if (statement.kind !== 'sysctl') continue;
      const reading = readSysctl(statement.name, statement.value);
      if (reading.kind !== 'setting') continue;
      const { setting, value } = reading.setting;
      if (LISTENER_SETTINGS.includes(setting)) this.sut.setListenSetting(setting, value);
      else if (Object.hasOwn(this.sut.profile(), setting) && !this.sut.override(setting, value))
        throw new ScriptFailure(2, [
          `${this.file}:${statement.line}: unsupported: ${statement.name} set after the endpoint started`,
        ]);
    }
  }

  private code(event: CodeEvent, schedule: Schedule): void {
    const at = startOf(schedule, this.sut.nowUs());
    this.advance(at);
    this.previousUs = at;
    const source = this.infoSource();
    for (const statement of readCodeBlock(event.code, event.bodyAt)) {
      if (statement.kind !== 'assert') continue;
      const failure = checkAssertion(statement, source);
      if (failure) this.fail(statement, failure);
    }
  }

  private infoSource(): InfoSource {
    const fd = this.sockets.current;
    if (this.sockets.isListening(fd)) return { kind: 'listener' };
    const conn = this.sockets.connOf(fd);
    if (conn === undefined) return { kind: 'none' };
    return { kind: 'connection', tcb: this.sut.get().snapshotOf(conn)?.context, news: this.sut.newsOf(conn) };
  }
}

/**
 * The next segment the endpoint sent; when the script expects more payload than it carries, the
 * segments that left back to back with it (same instant, contiguous, same ACK) are merged, as
 * packetdrill sees them: Linux hands one write to the device before segmentation (TSO/GSO).
 */
function takeBackToBack(queue: Emitted[], wantLength: number): Emitted | undefined {
  let merged = queue.shift();
  while (merged && (merged.segment.data?.length ?? 0) < wantLength) {
    const next = queue[0];
    const first = merged.segment;
    const length = first.data?.length ?? 0;
    if (
      !next ||
      next.atUs !== merged.atUs ||
      first.flags & (Flag.SYN | Flag.FIN | Flag.RST) ||
      next.segment.seq !== seqAdd(first.seq, length) ||
      next.segment.ack !== first.ack ||
      !next.segment.data
    )
      break;
    queue.shift();
    const data = new Uint8Array(length + next.segment.data.length);
    data.set(first.data ?? new Uint8Array(0), 0);
    data.set(next.segment.data, length);
    merged = {
      atUs: merged.atUs,
      segment: { ...next.segment, seq: first.seq, flags: first.flags | next.segment.flags, data },
    };
  }
  return merged;
}

/** Sysctls that configure a listener rather than the profile. */
const LISTENER_SETTINGS = ['syncookies', 'somaxconn', 'maxSynBacklog'];
