/**
 * The typed syntax tree of a packetdrill script: what a runner needs to drive one endpoint in
 * virtual time. It records what the script says, not what it means: sequence and ACK numbers stay
 * relative (see PacketEvent), times stay in the script's units converted to microseconds, and
 * syscall arguments stay expression trees for the runner to interpret.
 */

/** Where a construct starts in the script text (1-based, columns count UTF-16 code units). */
export interface SourcePos {
  readonly line: number;
  readonly column: number;
}

/** A `--name=value` line before the first event (packetdrill's command-line options). */
export interface PreambleOption extends SourcePos {
  readonly name: string;
  /** The value as written (quotes removed from a string); absent for a bare flag (`--strict_segments`). */
  readonly value?: string;
}

/** One end of a time specification. */
export interface TimePoint {
  /**
   * `+t`: measured from the previous event — from the time it actually happened (packetdrill does so,
   * so kernel timer slack does not add up over a script); otherwise from the start of the script.
   */
  readonly relative: boolean;
  readonly usecs: number;
}

/**
 * When an event happens. `absolute` and `relative` are exact up to the tolerance
 * (`--tolerance_usecs`, default 4 ms); `any` (`*`) and `range` (`a~b`, `+a~+b`) are only allowed on
 * outbound (`>`) packets: the packet may leave at any time, or at any time within the range.
 */
export type TimeSpec =
  | { readonly kind: 'absolute'; readonly usecs: number }
  | { readonly kind: 'relative'; readonly usecs: number }
  | { readonly kind: 'any' }
  | { readonly kind: 'range'; readonly start: TimePoint; readonly end: TimePoint };

/** An expression in a syscall argument or return value. */
export type Expr =
  | { readonly kind: 'ellipsis' }
  | { readonly kind: 'int'; readonly value: number; readonly text: string }
  | { readonly kind: 'symbol'; readonly name: string }
  | { readonly kind: 'string'; readonly value: string; readonly truncated: boolean }
  | { readonly kind: 'or'; readonly operands: readonly Expr[] }
  | { readonly kind: 'assign'; readonly target: Expr; readonly value: Expr }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly Expr[] }
  | { readonly kind: 'array'; readonly items: readonly Expr[] }
  | { readonly kind: 'struct'; readonly fields: readonly Expr[] };

/** TCP flags as written: `S`, `S.`, `.`, `F.`, `R`, `P.`, `SEW`, `-` (none), with an optional AccECN digit. */
export interface TcpFlags {
  readonly text: string;
  readonly syn: boolean;
  readonly ack: boolean;
  readonly fin: boolean;
  readonly rst: boolean;
  readonly psh: boolean;
  readonly ece: boolean;
  readonly cwr: boolean;
  readonly urg: boolean;
  /** `A`: the AccECN AE bit. */
  readonly ae: boolean;
  /** The digit after the flags (`P.6`): the AccECN ACE counter; absent when not written. */
  readonly ace?: number;
}

/** A TCP option inside `<…>`. */
export type TcpOption = SourcePos &
  (
    | { readonly kind: 'nop' }
    | { readonly kind: 'eol' }
    | { readonly kind: 'mss'; readonly value: number }
    | { readonly kind: 'wscale'; readonly value: number }
    | { readonly kind: 'sackOK' }
    | { readonly kind: 'sack'; readonly blocks: readonly { readonly start: number; readonly end: number }[] }
    | { readonly kind: 'timestamp'; readonly val: number; readonly ecr: number }
    | { readonly kind: 'fastopen'; readonly cookie?: string }
    /** Any other option (`ECN …`, `md5 …`, `FOEXP …`, experimental ones): kept as text for checkSupported. */
    | { readonly kind: 'other'; readonly name: string; readonly text: string }
  );

/** `[ect0]` or `(tos 0x1)` / `(ttl 64)` / `(flowlabel 0x1)` before the flags. */
export type IpInfo =
  | { readonly kind: 'ecn'; readonly ecn: 'noecn' | 'ect0' | 'ect1' | 'ect01' | 'ce' }
  | { readonly kind: 'field'; readonly name: string; readonly value: number };

interface EventBase extends SourcePos {
  readonly time: TimeSpec;
}

/**
 * A TCP segment: `<` is injected into the endpoint under test, `>` is expected from it.
 * Sequence numbers are relative to the sender's ISN and ACK numbers to the receiver's: on an inbound
 * (`<`) packet `seq` counts from the script's (remote) ISN and `ack` from the endpoint's ISN; on an
 * outbound (`>`) packet the other way round. The ISN itself is sequence number 0 (a SYN is `0:0(0)`).
 */
export interface TcpPacketEvent extends EventBase {
  readonly type: 'packet';
  readonly protocol: 'tcp';
  readonly direction: '<' | '>';
  /** Encapsulation headers written before the flags (`ipv4 A > B: gre:`, `encap psp spi 23`), as text. */
  readonly encapsulation?: readonly string[];
  readonly ipInfo?: IpInfo;
  readonly flags: TcpFlags;
  /** `start:end(len)`; len = end − start. */
  readonly seq: { readonly start: number; readonly end: number; readonly len: number };
  readonly ack?: number;
  /** Required on inbound packets; on outbound ones absent means "any window". */
  readonly win?: number;
  readonly urg?: number;
  /** Absent: none written. 'wildcard' (`<...>`): any options. */
  readonly options?: readonly TcpOption[] | 'wildcard';
}

/** `< udp (len)` — parsed so that such scripts are readable; a TCP runner reports it unsupported. */
export interface UdpPacketEvent extends EventBase {
  readonly type: 'packet';
  readonly protocol: 'udp';
  readonly direction: '<' | '>';
  readonly length: number;
}

/** `< icmp unreachable frag_needed mtu 840 [0:1000(1000)]` — parsed, reported unsupported. */
export interface IcmpPacketEvent extends EventBase {
  readonly type: 'packet';
  readonly protocol: 'icmp';
  readonly direction: '<' | '>';
  readonly icmpType: string;
  readonly code?: string;
  readonly mtu?: number;
  /** The quoted (echoed) TCP sequence range or UDP length, if written. */
  readonly echoed?:
    | { readonly start: number; readonly end: number; readonly len: number }
    | { readonly udp: number };
}

export type PacketEvent = TcpPacketEvent | UdpPacketEvent | IcmpPacketEvent;

/**
 * `connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)`.
 * `blockingUntil` (`+0...0.2 accept(…)`) says the call blocks and returns at that time, measured
 * from the same origin as the start (the script start for an absolute start time, the previous
 * event for a relative one).
 */
export interface SyscallEvent extends EventBase {
  readonly type: 'syscall';
  readonly name: string;
  readonly args: readonly Expr[];
  readonly result: Expr;
  readonly errno?: string;
  /** The free text in parentheses after the result or errno. */
  readonly note?: string;
  readonly blockingUntil?: number;
}

/** A backquoted shell command; `time` is absent for the untimed first or last command. */
export interface CommandEvent extends SourcePos {
  readonly type: 'command';
  readonly time?: TimeSpec;
  readonly command: string;
  /** Where the opening backquote is (the command's own lines are counted from here). */
  readonly bodyAt: SourcePos;
}

/** A `%{ … }%` block (Python run against the socket's TCP_INFO in real packetdrill). */
export interface CodeEvent extends EventBase {
  readonly type: 'code';
  readonly code: string;
  /** Where `%{` is (the block's own lines are counted from here). */
  readonly bodyAt: SourcePos;
}

export type ScriptEvent = PacketEvent | SyscallEvent | CommandEvent | CodeEvent;

export interface Script {
  readonly options: readonly PreambleOption[];
  /** The `-D NAME=VALUE` definitions the script was parsed with. */
  readonly defines: Readonly<Record<string, string>>;
  readonly events: readonly ScriptEvent[];
}

/** A syntax or semantic error, at the token that caused it. */
export interface ScriptError extends SourcePos {
  readonly message: string;
}

export type ParseResult =
  | { readonly ok: true; readonly script: Script }
  | { readonly ok: false; readonly error: ScriptError };
