/**
 * The last resort of the `synack` binary: an error no command turned into a message is a bug in
 * synack, never the user's fault. It prints one line that says so and asks for a report; the
 * stack only with `--debug` or `SYNACK_DEBUG=1`, so hostile input can never dump a stack trace.
 */

export const ISSUES_URL = 'https://github.com/synack/synack/issues';

/** `--debug` anywhere before a `--`, or SYNACK_DEBUG set to anything but "" / "0". */
export function debugRequested(args: readonly string[], env: NodeJS.ProcessEnv): boolean {
  const end = args.indexOf('--');
  const flags = end === -1 ? args : args.slice(0, end);
  const fromEnv = env.SYNACK_DEBUG !== undefined && env.SYNACK_DEBUG !== '' && env.SYNACK_DEBUG !== '0';
  return fromEnv || flags.includes('--debug');
}

/** The arguments without `--debug` (it is the binary's switch, not a command's option). */
export function withoutDebugFlag(args: readonly string[]): string[] {
  const end = args.indexOf('--');
  if (end === -1) return args.filter((a) => a !== '--debug');
  return [...args.slice(0, end).filter((a) => a !== '--debug'), ...args.slice(end)];
}

/** What the binary prints for an unexpected error: one line, or the stack too when debugging. */
export function internalErrorText(err: unknown, debug: boolean): string {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const firstLine = message.split('\n')[0].slice(0, 300);
  const line = `synack: internal error (a bug in synack, please report it at ${ISSUES_URL}): ${firstLine}`;
  if (!debug) return `${line} — run again with --debug or SYNACK_DEBUG=1 for the stack trace\n`;
  const stack = err instanceof Error && err.stack ? err.stack : String(err);
  return `${line}\n${stack}\n`;
}

const tolerated = new Set<(err: unknown) => boolean>();

/**
 * While a command works over a connection that may drop (a queue sweep through Redis), a
 * library's own background promise that rejects because the connection is gone is not a bug in
 * synack: the command watches the connection itself (queue/collect.ts HealthCheck waits out an
 * outage and fails in one line when it lasts). The binary lets such rejections pass while `test`
 * is registered. Returns the function that unregisters it.
 */
export function tolerateRejections(test: (err: unknown) => boolean): () => void {
  tolerated.add(test);
  return () => {
    tolerated.delete(test);
  };
}

/** Whether an unhandled rejection is one a running command said it tolerates. */
export function toleratedRejection(err: unknown): boolean {
  for (const test of tolerated) if (test(err)) return true;
  return false;
}
