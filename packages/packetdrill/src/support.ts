/**
 * checkSupported: what in a parsed script a runner on the simulated endpoint cannot honour
 * (`unsupported`, which makes packetdrill's exit code 2 naming the line) and what it will skip
 * without harm (`ignored`: shell commands that set nothing we model). It also collects the sysctl
 * settings the script makes, in order. The supported set is listed in the package README.
 */
import type { PreambleOption, Script, ScriptEvent, SourcePos, SyscallEvent, TcpPacketEvent } from './ast.js';
import { readShellCommand } from './shell.js';
import { checkSyscall } from './syscalls.js';
import { readSysctl, type SysctlSetting } from './sysctls.js';
import { readCodeBlock } from './tcp-info.js';

export type FindingCategory = 'option' | 'syscall' | 'packet' | 'tcp-option' | 'sysctl' | 'shell' | 'code';

export interface Finding extends SourcePos {
  readonly category: FindingCategory;
  readonly message: string;
}

export interface SupportReport {
  /** True when nothing is unsupported. */
  readonly supported: boolean;
  readonly unsupported: readonly Finding[];
  readonly ignored: readonly Finding[];
  readonly sysctls: readonly (SysctlSetting & SourcePos)[];
}

/** Preamble options a runner honours; the value check returns a reason when the value is not. */
const PREAMBLE_OPTIONS: Readonly<Record<string, (value: string | undefined) => string | undefined>> = {
  tolerance_usecs: (v) => (v !== undefined && /^\d+$/.test(v) ? undefined : 'expects microseconds'),
  tolerance_percent: (v) => (v !== undefined && /^\d+(\.\d+)?$/.test(v) ? undefined : 'expects a percentage'),
  mss: (v) => (v !== undefined && /^\d+$/.test(v) ? undefined : 'expects bytes'),
  ip_version: (v) => (v === 'ipv4' ? undefined : 'only ipv4 is simulated'),
  local_ip: () => undefined,
  remote_ip: () => undefined,
  bind_port: () => undefined,
  connect_port: () => undefined,
  verbose: () => undefined,
  // Every `>` line is one segment, no merging of several to reach its length (packetdrill's default
  // merges them, which hides an unexpected pure ACK before a data segment). A runner compares
  // segment by segment anyway.
  strict_segments: (v) => (v === undefined ? undefined : 'takes no value'),
};

interface Collector {
  unsupported: Finding[];
  ignored: Finding[];
  sysctls: (SysctlSetting & SourcePos)[];
}

export function checkSupported(script: Script): SupportReport {
  const out: Collector = { unsupported: [], ignored: [], sysctls: [] };
  for (const option of script.options) checkOption(option, out);
  for (const event of script.events) checkEvent(event, out);
  return { supported: out.unsupported.length === 0, ...out };
}

function unsupported(out: Collector, at: SourcePos, category: FindingCategory, message: string): void {
  out.unsupported.push({ line: at.line, column: at.column, category, message });
}

function checkOption(option: PreambleOption, out: Collector): void {
  const check = Object.hasOwn(PREAMBLE_OPTIONS, option.name) ? PREAMBLE_OPTIONS[option.name] : undefined;
  const reason = check ? check(option.value) : 'is not supported';
  if (reason)
    unsupported(
      out,
      option,
      'option',
      `option --${option.name}${check ? `=${option.value ?? ''}:` : ''} ${reason}`,
    );
}

function checkEvent(event: ScriptEvent, out: Collector): void {
  if (event.type === 'packet' && event.protocol !== 'tcp')
    unsupported(out, event, 'packet', `${event.protocol} packets are not simulated`);
  else if (event.type === 'packet') checkTcpPacket(event, out);
  else if (event.type === 'syscall') checkSyscallEvent(event, out);
  else if (event.type === 'command') checkCommand(event.command, event.bodyAt, out);
  else
    for (const s of readCodeBlock(event.code, event.bodyAt))
      if (s.kind === 'unsupported') unsupported(out, s, 'code', `${s.text}: ${s.reason}`);
}

function checkTcpPacket(packet: TcpPacketEvent, out: Collector): void {
  const f = packet.flags;
  if (f.ece || f.cwr || f.ae || f.ace !== undefined)
    unsupported(out, packet, 'packet', `ECN flags (${f.text}) are not simulated`);
  if (f.urg || packet.urg !== undefined) unsupported(out, packet, 'packet', 'urgent data is not simulated');
  if (packet.encapsulation)
    unsupported(out, packet, 'packet', `encapsulation (${packet.encapsulation.join(' ')}) is not simulated`);
  if (packet.ipInfo && !(packet.ipInfo.kind === 'ecn' && packet.ipInfo.ecn === 'noecn'))
    unsupported(
      out,
      packet,
      'packet',
      'IP header fields (ECN codepoints, tos, ttl, flowlabel) are not simulated',
    );
  if (packet.options === undefined || packet.options === 'wildcard') return;
  for (const option of packet.options) {
    if (option.kind === 'fastopen')
      unsupported(out, option, 'tcp-option', 'TCP Fast Open (FO) is not simulated');
    if (option.kind === 'other')
      unsupported(out, option, 'tcp-option', `TCP option '${option.text}' is unknown or not simulated`);
  }
}

function checkSyscallEvent(event: SyscallEvent, out: Collector): void {
  const reason = checkSyscall(event.name, event.args);
  if (reason) unsupported(out, event, 'syscall', reason);
}

function checkCommand(command: string, at: SourcePos, out: Collector): void {
  for (const s of readShellCommand(command, at)) {
    if (s.kind === 'other') {
      out.ignored.push({
        line: s.line,
        column: s.column,
        category: 'shell',
        message: `ignored shell command: ${s.text}`,
      });
      continue;
    }
    const reading = readSysctl(s.name, s.value);
    if (reading.kind === 'setting') out.sysctls.push({ ...reading.setting, line: s.line, column: s.column });
    else if (reading.kind === 'bad-value') unsupported(out, s, 'sysctl', reading.message);
    else
      out.ignored.push({
        line: s.line,
        column: s.column,
        category: 'sysctl',
        message: `ignored sysctl ${s.name}`,
      });
  }
}
