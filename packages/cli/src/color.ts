/**
 * Whether output is coloured when no `--no-color` flag says otherwise, by the conventions
 * terminal programs share: NO_COLOR (https://no-color.org: any non-empty value turns colour
 * off), FORCE_COLOR (set: colour even without a terminal, unless "0" or "false"), TERM=dumb
 * (a terminal that cannot show escape codes), and otherwise only when stdout is a terminal.
 */
export function colorByDefault(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  if (env.TERM === 'dumb') return false;
  return isTTY;
}
