/**
 * Backquoted shell commands, read (never run) for the sysctl settings they make. Statements are
 * split at newlines, `;` and `&&`. Three spellings of "set a sysctl" are recognised:
 *
 *   sysctl [-q] [-w] net.ipv4.tcp_syn_retries=3 [name=value …]
 *   echo 3 > /proc/sys/net/ipv4/tcp_syn_retries
 *   …/set_sysctls.py /proc/sys/net/ipv4/tcp_syn_retries=3 [path=value …]
 *
 * Everything else (defaults.sh, restore scripts, tc, ip …) is returned as `other`.
 */
import type { SourcePos } from './ast.js';

export type ShellStatement = SourcePos & { readonly text: string } & (
    | { readonly kind: 'sysctl'; readonly name: string; readonly value: string }
    | { readonly kind: 'other' }
  );

/** The statements of one backquoted command; `at` is where its opening backquote is. */
export function readShellCommand(command: string, at: SourcePos): ShellStatement[] {
  const statements: ShellStatement[] = [];
  const separator = /\n|;|&&/g;
  let start = 0;
  for (;;) {
    const m = separator.exec(command);
    const end = m ? m.index : command.length;
    const raw = command.slice(start, end);
    const text = raw.trim();
    if (text !== '' && !text.startsWith('#')) {
      const pos = positionIn(command, start + raw.indexOf(text), at);
      const sysctls = sysctlAssignments(text);
      if (sysctls.length === 0) statements.push({ ...pos, text, kind: 'other' });
      for (const s of sysctls) statements.push({ ...pos, text, kind: 'sysctl', ...s });
    }
    if (!m) return statements;
    start = separator.lastIndex;
  }
}

/** Line and column of an offset inside a body that starts one character after `at`. */
export function positionIn(body: string, offset: number, at: SourcePos, delimiterWidth = 1): SourcePos {
  const before = body.slice(0, offset);
  const newlines = before.split('\n').length - 1;
  if (newlines === 0) return { line: at.line, column: at.column + delimiterWidth + offset };
  return { line: at.line + newlines, column: offset - before.lastIndexOf('\n') };
}

/** `net.ipv4.tcp_syn_retries`, `net/ipv4/tcp_syn_retries` or `/proc/sys/net/ipv4/…` → dotted name. */
function sysctlName(path: string): string | undefined {
  const name = path.replace(/^\/proc\/sys\//, '').replace(/\//g, '.');
  return /^[a-z0-9_]+(\.[a-zA-Z0-9_-]+)+$/.test(name) ? name : undefined;
}

function unquote(value: string): string {
  return /^(["']).*\1$/s.test(value) ? value.slice(1, -1) : value;
}

/** Shell words, keeping quoted ones together (`tcp_wmem="4096 50000 4194304"` is one word). */
function shellWords(text: string): string[] {
  return text.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? [];
}

function sysctlAssignments(text: string): { name: string; value: string }[] {
  const words = shellWords(text);
  const program = words[0]?.split('/').pop() ?? '';
  const out: { name: string; value: string }[] = [];
  if (program === 'sysctl' || program.endsWith('set_sysctls.py')) {
    for (const word of words.slice(1)) {
      const eq = word.indexOf('=');
      const name = eq > 0 ? sysctlName(word.slice(0, eq)) : undefined;
      if (name) out.push({ name, value: unquote(word.slice(eq + 1)) });
    }
  }
  const echo = /^echo\s+(.+?)\s*>\s*(\/proc\/sys\/\S+)$/s.exec(text);
  const name = echo ? sysctlName(echo[2]) : undefined;
  if (echo && name) out.push({ name, value: unquote(echo[1].trim()) });
  return out;
}
