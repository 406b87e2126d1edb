/**
 * The kernel side of kernel-diff: a private network namespace (loopback up, every endpoint's
 * address on it), the profile's sysctls, nftables rules for the targeted drops (in prerouting, so
 * the capture on `lo` still sees the dropped segment, as the model's sender-side trace does), a
 * tshark capture, and the application program (app.ts). Needs root, `ip`, `nft` and `tshark`.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sortFlags, type WireSegment } from './align.js';
import type { KernelDrop, KernelPlan } from './plan.js';

/** Why the kernel run cannot happen here, or undefined when root, ip netns, nft and tshark are available. */
export function kernelEnvironmentProblem(): string | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0)
    return 'needs root (network namespaces)';
  for (const tool of ['ip', 'nft', 'tshark']) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
    if (found.status !== 0) return `needs ${tool} (apt-get install -y iproute2 nftables tshark)`;
  }
  const ns = `synack-probe-${process.pid}`;
  const added = spawnSync('ip', ['netns', 'add', ns], { encoding: 'utf8' });
  if (added.status !== 0) return `cannot create a network namespace: ${added.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', ns]);
  return undefined;
}

const NFT_FLAGS: Readonly<Record<string, string>> = {
  SYN: 'syn',
  ACK: 'ack',
  FIN: 'fin',
  RST: 'rst',
  PSH: 'psh',
};

/** One nftables rule per targeted drop: "the nth segment from saddr with exactly these flags". */
export function nftRules(drops: readonly KernelDrop[]): string {
  const rules = drops.map((d) => {
    const flags = d.flags.map((f) => NFT_FLAGS[f]).join(' | ');
    // numgen inc counts only the packets that reached it (earlier matches passed): the nth one is n − 1.
    return `    ip saddr ${d.saddr} tcp flags & (fin | syn | rst | psh | ack) == ${flags} numgen inc mod 1000000 ${d.nth - 1} counter drop`;
  });
  return `table inet synack_kernel_diff {\n  chain pre {\n    type filter hook prerouting priority -300; policy accept;\n${rules.join('\n')}\n  }\n}\n`;
}

function inNamespace(ns: string, args: string[], input?: string): void {
  execFileSync('ip', ['netns', 'exec', ns, ...args], {
    input,
    stdio: ['pipe', 'ignore', 'pipe'],
    timeout: 30_000,
  });
}

function setUpNamespace(ns: string, plan: KernelPlan): void {
  execFileSync('ip', ['netns', 'add', ns], { stdio: 'ignore' });
  inNamespace(ns, ['ip', 'link', 'set', 'lo', 'up']);
  for (const address of new Set(plan.endpoints.map((e) => e.address)))
    inNamespace(ns, ['ip', 'addr', 'add', `${address}/32`, 'dev', 'lo']);
  for (const [name, value] of Object.entries(plan.sysctls))
    inNamespace(ns, ['sysctl', '-q', '-w', `${name}=${value}`]);
  if (plan.drops.length > 0) inNamespace(ns, ['nft', '-f', '-'], nftRules(plan.drops));
}

/** Starts tshark on lo and resolves once it captures. */
function startCapture(ns: string, file: string): Promise<ReturnType<typeof spawn>> {
  return new Promise((resolve, reject) => {
    const tshark = spawn('ip', ['netns', 'exec', ns, 'tshark', '-i', 'lo', '-f', 'tcp', '-w', file], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let said = '';
    const timer = setTimeout(() => reject(new Error(`tshark did not start: ${said.trim()}`)), 20_000);
    tshark.stderr?.on('data', (chunk: Buffer) => {
      said += chunk.toString();
      if (said.includes('Capturing on')) {
        clearTimeout(timer);
        resolve(tshark);
      }
    });
    tshark.on('exit', () => reject(new Error(`tshark exited: ${said.trim()}`)));
  });
}

/**
 * When the application performed an action (ms from time zero) and how late that was; a reaction
 * also says to what (`on`), for which endpoint, and its delay `after`.
 */
export interface AppAct {
  readonly acted: number;
  readonly late: number;
  readonly on?: string;
  readonly endpoint?: string;
  readonly after?: number;
}

function actsOf(out: string): AppAct[] {
  const acts: AppAct[] = [];
  for (const line of out.split('\n')) if (line.startsWith('{"acted"')) acts.push(JSON.parse(line) as AppAct);
  return acts;
}

/** The segment whose arrival an application reaction answers (Node notices it some ms later). */
const TRIGGERS: Readonly<Record<string, (s: WireSegment) => boolean>> = {
  accept: (s) => s.flags.includes('ACK') && !s.flags.includes('SYN'),
  connected: (s) => s.flags.includes('SYN') && s.flags.includes('ACK'),
  'peer-closed': (s) => s.flags.includes('FIN'),
};

/** The lateness in force at raw capture time `t`: that of the last action performed by then. */
function latenessAt(t: number, acts: readonly AppAct[], lateness: readonly number[]): number {
  let late = 0;
  acts.forEach((act, i) => {
    if (i < lateness.length && act.acted <= t + 1) late = lateness[i];
  });
  return late;
}

/**
 * How late each action was: a timed one from its schedule; a reaction from the segment it answers,
 * taken at its corrected time (Node notices an accepted connection or a FIN some ms after it came).
 */
function latenesses(acts: readonly AppAct[], segments: readonly WireSegment[]): number[] {
  const lateness: number[] = [];
  for (const act of acts) {
    const trigger = act.on ? TRIGGERS[act.on] : undefined;
    const noticed = act.acted - (act.after ?? 0) - act.late;
    const cause = trigger
      ? segments.filter((s) => s.to === act.endpoint && s.t <= noticed + 1 && trigger(s)).at(-1)
      : undefined;
    if (!cause) lateness.push(act.late);
    else {
      const causeAt = cause.t - latenessAt(cause.t, acts, lateness);
      lateness.push(Math.max(0, act.acted - (act.after ?? 0) - causeAt));
    }
  }
  return lateness;
}

/**
 * Segment times read relative to what the application did: each segment moves back by the
 * lateness of the last action before it (Node's timers and event notices on a busy machine are
 * tens of ms late; that is the application's delay, not the kernel's).
 */
export function withoutAppLateness(segments: readonly WireSegment[], acts: readonly AppAct[]): WireSegment[] {
  const lateness = latenesses(acts, segments);
  return segments.map((s) => ({ ...s, t: s.t - latenessAt(s.t, acts, lateness) }));
}

/** Starts the application; resolves with its start time and process once it says "done". */
function runApp(
  ns: string,
  appPath: string,
  planPath: string,
): Promise<{ start: number; acts: AppAct[]; app: ReturnType<typeof spawn> }> {
  return new Promise((resolve, reject) => {
    const app = spawn('ip', ['netns', 'exec', ns, process.execPath, appPath, planPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    app.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const start = /\{"start":(\d+)\}/.exec(out);
      if (start && out.includes('"done"')) resolve({ start: Number(start[1]), acts: actsOf(out), app });
    });
    app.on('exit', () => reject(new Error(`the application ended early: ${out.trim()}`)));
  });
}

const FLAG_BITS: ReadonlyArray<[number, string]> = [
  [0x02, 'SYN'],
  [0x10, 'ACK'],
  [0x01, 'FIN'],
  [0x04, 'RST'],
  [0x08, 'PSH'],
];

/** Segments of a capture between the plan's endpoints; t in ms from `startMs`. */
export function readCapture(
  fields: string,
  startMs: number,
  idOf: ReadonlyMap<string, string>,
): WireSegment[] {
  const out: WireSegment[] = [];
  for (const line of fields.split('\n')) {
    const [epoch, src, dst, seq, ack, flags, len] = line.split(',');
    const from = idOf.get(src);
    const to = idOf.get(dst);
    if (!from || !to || epoch === undefined) continue;
    const bits = Number(flags);
    out.push({
      t: Number(epoch) * 1000 - startMs,
      from,
      to,
      flags: sortFlags(FLAG_BITS.filter(([bit]) => bits & bit).map(([, name]) => name)),
      seq: Number(seq),
      ack: Number(ack),
      len: Number(len),
    });
  }
  return out;
}

/** Runs the plan on the kernel; the segments every endpoint sent, in capture order. */
export async function runOnKernel(plan: KernelPlan, appPath: string): Promise<WireSegment[]> {
  const ns = `synack-kd-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'synack-kernel-diff-'));
  const planPath = join(dir, 'plan.json');
  const pcap = join(dir, 'run.pcap');
  writeFileSync(planPath, JSON.stringify(plan));
  let tshark: ReturnType<typeof spawn> | undefined;
  try {
    setUpNamespace(ns, plan);
    tshark = await startCapture(ns, pcap);
    const { start, acts, app } = await runApp(ns, appPath, planPath);
    tshark.kill('SIGINT');
    await new Promise((r) => tshark?.once('exit', r));
    tshark = undefined;
    app.removeAllListeners('exit');
    app.kill('SIGKILL');
    const fields = execFileSync(
      'tshark',
      [
        '-r',
        pcap,
        '-T',
        'fields',
        '-E',
        'separator=,',
        ...[
          'frame.time_epoch',
          'ip.src',
          'ip.dst',
          'tcp.seq_raw',
          'tcp.ack_raw',
          'tcp.flags',
          'tcp.len',
        ].flatMap((f) => ['-e', f]),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 },
    );
    const segments = readCapture(fields, start, new Map(plan.endpoints.map((e) => [e.address, e.id])));
    return withoutAppLateness(segments, acts);
  } finally {
    tshark?.kill('SIGKILL');
    spawnSync('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  }
}
