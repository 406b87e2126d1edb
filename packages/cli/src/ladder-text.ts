/**
 * The words of the ladder in each language (issue 21 item 5): lane texts (application calls,
 * timers, host drops, congestion states), what befell a segment, and the mark of an absolute
 * number. Flags (SYN, ACK, FIN, RST, PSH), state names and numbers stay as they are in both;
 * in Chinese a state name is followed by its textbook name the first time it appears.
 */
import type { TraceEvent } from '@synack/network';
import type { Lang } from './explain/index.js';

type AppEvent = Extract<TraceEvent, { kind: 'app' }>;

export interface LadderText {
  /** Prefix of a seq/ack shown absolute in the relative column. */
  absoluteMark: string;
  /** Label before the absolute numbers after an arrow. */
  absolute: string;
  /** Heading of the time column, and the receive window and delay after an arrow. */
  time: string;
  /** A time in the time column (in Chinese the unit is in the heading: the column stays ASCII). */
  seconds(ms: number): string;
  /** The compact layout's time column: heading with the unit, times without it. */
  compactTime: string;
  compactSeconds(ms: number): string;
  window: string;
  delay(ms: number): string;
  app(e: AppEvent): string | undefined;
  timer(kind: string, count: string, nextRtoMs: number): string;
  hostDrop(flags: string, reason: string): string;
  lost(reason: string): string;
  retransmit(cause: string | undefined): string;
  reordered: string;
  duplicateOf(id: string): string;
  congestion(from: string, to: string, cwnd: number, ssthresh: string, inFlight: number): string;
  ms(ms: number): string;
  /** The line standing for `n` folded events of the same shape (ladder-fold.ts). */
  folded(n: number): string;
  /** The line marking a TIME_WAIT period of `ms` passed over (--skip-time-wait). */
  timeWaitSkipped(ms: number): string;
}

const EN_CAUSES: Record<string, string> = {
  rto: 'RETRANSMIT (RTO)',
  fast: 'RETRANSMIT (fast retransmit)',
  tlp: 'RETRANSMIT (TLP probe)',
};

const en: LadderText = {
  absoluteMark: 'abs:',
  absolute: 'abs',
  time: 'time',
  seconds: (ms) => `${(ms / 1000).toFixed(3)} s`,
  compactTime: 'time (s)',
  compactSeconds: (ms) => (ms / 1000).toFixed(3),
  window: 'win',
  delay: (ms) => `+${ms}ms`,
  app: appTextEn,
  timer: (kind, count, next) => `⏱ RTO expired: retransmit ${kind} (#${count}, next RTO ${en.ms(next)})`,
  hostDrop: (flags, reason) => `✕ ${flags} discarded (${reason})`,
  lost: (reason) => `LOST (${reason})`,
  retransmit: (cause) => (cause && EN_CAUSES[cause]) || 'RETRANSMIT',
  reordered: 'REORDERED',
  duplicateOf: (id) => `DUPLICATE of #${id}`,
  congestion: (from, to, cwnd, ssthresh, inFlight) =>
    `cc ${from} → ${to} (cwnd ${cwnd}, ssthresh ${ssthresh}, in flight ${inFlight})`,
  ms: (ms) => (ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`),
  folded: (n) => `… ${n} more …`,
  timeWaitSkipped: (ms) => `… TIME_WAIT ${en.ms(ms)} skipped …`,
};

function appTextEn(e: AppEvent): string | undefined {
  const d = e as Record<string, unknown>;
  switch (e.event) {
    case 'listen':
      return `app: listen(:${d.port}, backlog ${d.backlog})`;
    case 'connect':
      return `app: connect(${d.to}:${d.port})`;
    case 'accept':
      return 'app: accept()';
    case 'send':
      return `app: send ${d.bytes} B${d.refused ? ' (refused)' : ''}`;
    case 'peer-closed':
      return 'app: EOF (peer closed its half)';
    case 'closed':
      return `app: closed (${d.reason})`;
    case 'error':
      return `app: error "${d.error}"`;
    case 'restart':
      return 'app: host crashed and restarted (all state lost)';
    case 'syn-flood':
      return `app: SYN flood of ${d.count} spoofed SYNs`;
    case 'isn-guess':
      return `app: guess server ISN ${d.guess}, spoofing ${d.spoofed}`;
    default:
      return undefined;
  }
}

/** RFC 9293 state names as Chinese textbooks (谢希仁《计算机网络》) name them. */
export const ZH_STATE_NAMES: Readonly<Record<string, string>> = {
  CLOSED: '关闭',
  LISTEN: '监听',
  SYN_SENT: '同步已发送',
  SYN_RECEIVED: '同步已收到',
  ESTABLISHED: '已建立连接',
  FIN_WAIT_1: '终止等待1',
  FIN_WAIT_2: '终止等待2',
  CLOSE_WAIT: '关闭等待',
  CLOSING: '同时关闭',
  LAST_ACK: '最后确认',
  TIME_WAIT: '时间等待',
};

export const ZH_CLOSE_REASONS: Readonly<Record<string, string>> = {
  normal: '正常关闭',
  reset: '被重置',
  refused: '连接被拒绝',
  timeout: '超时',
  aborted: '异常终止',
};

export const ZH_ERRORS: Readonly<Record<string, string>> = {
  'connection reset': '连接被重置',
  'connection refused': '连接被拒绝',
  'connection closing': '连接正在关闭',
  'connection does not exist': '连接不存在',
  'connection already exists': '连接已存在',
  'foreign socket unspecified': '未指定对端地址',
};

/** Application events as an expectation names them (the trace's `app` event names). */
export const ZH_APP_EVENTS: Readonly<Record<string, string>> = {
  listen: '监听',
  connect: '连接',
  connected: '连接建立',
  accept: '接受连接',
  send: '发送',
  'peer-closed': '读到文件结束',
  closed: '连接关闭',
  error: '错误',
  restart: '主机重启',
  'syn-flood': 'SYN 洪泛',
  'isn-guess': '猜测初始序号',
};

/** Why a segment was lost or discarded; a scenario's own label after "targeted:" is English text, left out. */
const ZH_DROP_REASONS: Record<string, string> = {
  loss: '随机丢失',
  'burst-loss': '突发丢失',
  'queue-full': '队列已满',
  'no-route': '无路由',
  targeted: '定向丢弃',
  'syn-queue-full': '半连接队列已满',
  'accept-queue-full': '全连接队列已满',
};

const ZH_KINDS: Record<string, string> = {
  SYN: 'SYN',
  'SYN-ACK': 'SYN-ACK',
  FIN: 'FIN',
  data: '数据',
  probe: '零窗口探测',
};

const ZH_CAUSES: Record<string, string> = {
  rto: '重传（超时）',
  fast: '重传（快速重传）',
  tlp: '重传（尾部丢失探测）',
};

/** Linux congestion states (tcp_ca_state) by their Chinese names. */
export const ZH_CC_STATES: Readonly<Record<string, string>> = {
  Open: '正常',
  Disorder: '乱序',
  CWR: '拥塞窗口缩减',
  Recovery: '快速恢复',
  Loss: '超时恢复',
};

/** Why a segment was dropped, in Chinese (the scenario's own English label after "targeted:" left out). */
export function zhDropReason(reason: string): string {
  return ZH_DROP_REASONS[reason] ?? (reason.startsWith('targeted') ? '定向丢弃' : reason);
}

const zh: LadderText = {
  absoluteMark: '绝对:',
  absolute: '绝对值',
  time: '时间（秒）',
  seconds: (ms) => (ms / 1000).toFixed(3),
  compactTime: '时间（秒）',
  compactSeconds: (ms) => (ms / 1000).toFixed(3),
  window: '窗口',
  delay: (ms) => `时延 ${ms} 毫秒`,
  app: appTextZh,
  timer: (kind, count, next) =>
    `⏱ 重传计时器超时：重传 ${ZH_KINDS[kind] ?? kind}（第 ${count} 次，下次超时 ${zh.ms(next)}）`,
  hostDrop: (flags, reason) => `✕ 丢弃 ${flags}（${zhDropReason(reason)}）`,
  lost: (reason) => `丢失（${zhDropReason(reason)}）`,
  retransmit: (cause) => (cause && ZH_CAUSES[cause]) || '重传',
  reordered: '乱序',
  duplicateOf: (id) => `第 ${id} 号报文段的副本`,
  congestion: (from, to, cwnd, ssthresh, inFlight) =>
    `拥塞状态 ${ZH_CC_STATES[from] ?? from} → ${ZH_CC_STATES[to] ?? to}（拥塞窗口 ${cwnd}，慢启动门限 ${ssthresh}，在途 ${inFlight}）`,
  ms: (ms) => (ms >= 1000 ? `${ms / 1000} 秒` : `${ms} 毫秒`),
  folded: (n) => `…… 另有 ${n} 个同类事件 ……`,
  timeWaitSkipped: (ms) => `…… 跳过 时间等待 ${zh.ms(ms)} ……`,
};

function appTextZh(e: AppEvent): string | undefined {
  const d = e as Record<string, unknown>;
  switch (e.event) {
    case 'listen':
      return `应用：监听端口 ${d.port}（积压队列 ${d.backlog}）`;
    case 'connect':
      return `应用：连接 ${d.to}:${d.port}`;
    case 'accept':
      return '应用：接受连接';
    case 'send':
      return `应用：发送 ${d.bytes} 字节${d.refused ? '（被拒绝）' : ''}`;
    case 'peer-closed':
      return '应用：读到文件结束（对方关闭了它那一半）';
    case 'closed':
      return `应用：连接关闭（${ZH_CLOSE_REASONS[String(d.reason)] ?? d.reason}）`;
    case 'error':
      return `应用：错误“${ZH_ERRORS[String(d.error)] ?? d.error}”`;
    case 'restart':
      return '应用：主机崩溃后重启（全部状态丢失）';
    case 'syn-flood':
      return `应用：SYN 洪泛，${d.count} 个伪造源地址的 SYN`;
    case 'isn-guess':
      return `应用：猜测服务器初始序号为 ${d.guess}，冒充 ${d.spoofed}`;
    default:
      return undefined;
  }
}

export const LADDER_TEXT: Readonly<Record<Lang, LadderText>> = { en, zh };

/**
 * Names states for the ladder: in Chinese each state gets its textbook name in brackets the
 * first time this ladder shows it ("SYN_SENT（同步已发送）"), afterwards the bare name.
 */
export class StateNamer {
  private readonly named = new Set<string>();

  constructor(private readonly lang: Lang) {}

  name(state: string): string {
    const chinese = this.lang === 'zh' ? ZH_STATE_NAMES[state] : undefined;
    if (chinese === undefined || this.named.has(state)) return state;
    this.named.add(state);
    return `${state}（${chinese}）`;
  }
}

/**
 * Columns `text` takes in a terminal: East Asian wide and fullwidth characters (Unicode UAX #11,
 * W and F: CJK ideographs, kana, hangul, fullwidth forms and punctuation such as ，（）) take
 * two, everything else one (box drawing and arrows are "ambiguous" and one column wide in
 * the terminals a class uses).
 */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += isWide(ch.codePointAt(0) ?? 0) ? 2 : 1;
  return width;
}

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}
