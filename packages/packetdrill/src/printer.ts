/**
 * Canonical packetdrill text for a syntax tree: what a runner prints as "script packet: …" next to
 * the packet it saw, and what parses back to the same tree (the round-trip tests rely on it).
 */
import type {
  Expr,
  PacketEvent,
  PreambleOption,
  Script,
  ScriptEvent,
  SyscallEvent,
  TcpOption,
  TcpPacketEvent,
  TimePoint,
  TimeSpec,
} from './ast.js';

/** Microseconds as seconds with no trailing zeros: 100000 → "0.1", 2000000 → "2". */
export function formatSeconds(usecs: number): string {
  const whole = Math.floor(usecs / 1_000_000);
  const fraction = String(usecs % 1_000_000)
    .padStart(6, '0')
    .replace(/0+$/, '');
  return fraction === '' ? String(whole) : `${whole}.${fraction}`;
}

function formatPoint(p: TimePoint): string {
  return `${p.relative ? '+' : ''}${formatSeconds(p.usecs)}`;
}

export function formatTime(time: TimeSpec): string {
  switch (time.kind) {
    case 'any':
      return '*';
    case 'absolute':
      return formatSeconds(time.usecs);
    case 'relative':
      return `+${formatSeconds(time.usecs)}`;
    case 'range':
      return `${formatPoint(time.start)}~${formatPoint(time.end)}`;
  }
}

export function formatExpr(expr: Expr): string {
  switch (expr.kind) {
    case 'ellipsis':
      return '...';
    case 'int':
      return expr.text;
    case 'symbol':
      return expr.name;
    case 'string':
      return `"${expr.value.replace(/(["\\])/g, '\\$1')}"${expr.truncated ? '...' : ''}`;
    case 'or':
      return expr.operands.map(formatExpr).join('|');
    case 'assign':
      return `${formatExpr(expr.target)}=${formatExpr(expr.value)}`;
    case 'call':
      return `${expr.name}(${expr.args.map(formatExpr).join(', ')})`;
    case 'array':
      return `[${expr.items.map(formatExpr).join(', ')}]`;
    case 'struct':
      return `{${expr.fields.map(formatExpr).join(', ')}}`;
  }
}

export function formatTcpOption(option: TcpOption): string {
  switch (option.kind) {
    case 'nop':
    case 'eol':
    case 'sackOK':
      return option.kind;
    case 'mss':
    case 'wscale':
      return `${option.kind} ${option.value}`;
    case 'sack':
      return ['sack', ...option.blocks.map((b) => `${b.start}:${b.end}`)].join(' ');
    case 'timestamp':
      return `TS val ${option.val} ecr ${option.ecr}`;
    case 'fastopen':
      return option.cookie === undefined ? 'FO' : `FO ${option.cookie}`;
    case 'other':
      return option.text;
  }
}

function formatTcpPacket(p: TcpPacketEvent): string {
  const parts: string[] = [p.direction, ...(p.encapsulation ?? [])];
  if (p.ipInfo)
    parts.push(
      p.ipInfo.kind === 'ecn' ? `[${p.ipInfo.ecn}]` : `(${p.ipInfo.name} 0x${p.ipInfo.value.toString(16)})`,
    );
  parts.push(p.flags.text, `${p.seq.start}:${p.seq.end}(${p.seq.len})`);
  if (p.ack !== undefined) parts.push(`ack ${p.ack}`);
  if (p.win !== undefined) parts.push(`win ${p.win}`);
  if (p.urg !== undefined) parts.push(`urg ${p.urg}`);
  if (p.options === 'wildcard') parts.push('<...>');
  else if (p.options) parts.push(`<${p.options.map(formatTcpOption).join(',')}>`);
  return parts.join(' ');
}

export function formatPacket(p: PacketEvent): string {
  if (p.protocol === 'tcp') return formatTcpPacket(p);
  if (p.protocol === 'udp') return `${p.direction} udp (${p.length})`;
  const echoed =
    p.echoed === undefined
      ? []
      : [
          'udp' in p.echoed
            ? `[udp (${p.echoed.udp})]`
            : `[${p.echoed.start}:${p.echoed.end}(${p.echoed.len})]`,
        ];
  const code = p.code === undefined ? [] : [p.code];
  const mtu = p.mtu === undefined ? [] : [`mtu ${p.mtu}`];
  return [p.direction, 'icmp', p.icmpType, ...code, ...mtu, ...echoed].join(' ');
}

function formatSyscall(s: SyscallEvent): string {
  const errno = s.errno === undefined ? '' : ` ${s.errno}`;
  const note = s.note === undefined ? '' : ` (${s.note})`;
  return `${s.name}(${s.args.map(formatExpr).join(', ')}) = ${formatExpr(s.result)}${errno}${note}`;
}

/** One event as a script line (a command or code block keeps its own line breaks). */
export function formatEvent(event: ScriptEvent): string {
  const time = event.time === undefined ? '' : formatTime(event.time);
  const blocking =
    event.type === 'syscall' && event.blockingUntil !== undefined
      ? `...${formatSeconds(event.blockingUntil)}`
      : '';
  const action =
    event.type === 'packet'
      ? formatPacket(event)
      : event.type === 'syscall'
        ? formatSyscall(event)
        : event.type === 'command'
          ? `\`${event.command}\``
          : `%{${event.code}}%`;
  return `${time}${blocking}${time === '' ? '' : ' '}${action}`;
}

function formatOption(o: PreambleOption): string {
  if (o.value === undefined) return `--${o.name}`;
  return /^[\w.:/-]+$/.test(o.value)
    ? `--${o.name}=${o.value}`
    : `--${o.name}="${o.value.replace(/(["\\])/g, '\\$1')}"`;
}

export function formatScript(script: Script): string {
  return [...script.options.map(formatOption), ...script.events.map(formatEvent)].join('\n') + '\n';
}
