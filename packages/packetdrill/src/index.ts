export type * from './ast.js';
export { formatScriptError } from './errors.js';
export { Lexer, type Token, type TokenKind } from './lexer.js';
export { type ParseOptions, parseScript } from './parser.js';
export {
  formatEvent,
  formatExpr,
  formatPacket,
  formatScript,
  formatSeconds,
  formatTcpOption,
  formatTime,
} from './printer.js';
export { type RunOptions, type RunReport, runScript } from './runner/index.js';
export { readShellCommand, type ShellStatement } from './shell.js';
export { checkSupported, type Finding, type FindingCategory, type SupportReport } from './support.js';
export { CONGESTION_CONTROLS, checkSyscall, SUPPORTED_SYSCALLS } from './syscalls.js';
export { readSysctl, SUPPORTED_SYSCTLS, type SysctlReading, type SysctlSetting } from './sysctls.js';
export {
  type CodeStatement,
  type Comparison,
  type Operand,
  readCodeBlock,
  TCP_INFO_CONSTANTS,
  TCP_INFO_FIELDS,
  type TcpInfoAssertion,
} from './tcp-info.js';
export { allowedDeviation, DEFAULT_TOLERANCE, type Tolerance, timingTolerance } from './timing.js';
