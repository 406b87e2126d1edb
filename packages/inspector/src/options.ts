/**
 * Defaults, limits and option checks, importable on their own
 * (`@synack/inspector/options`) without loading the server, elkjs or ws — the
 * CLI parses its flags with these and loads the rest only when it serves.
 */

/** Default speed factor: virtual ms per wall ms (TIME_WAIT's 60 s take 6 s). */
export const DEFAULT_SPEED = 10;
/** Default hold after an instant with a state change, in wall ms. */
export const DEFAULT_HOLD = 250;
/** Fastest speed factor accepted (a million times real time is "as fast as possible"). */
export const MAX_SPEED = 1_000_000;
/** Longest hold accepted, in wall ms. */
export const MAX_HOLD = 10_000;
/** Wall-clock limit for inspected runs: pauses count as wall time, so network's default 5 min is too short. */
export const INSPECTED_WALL_TIMEOUT = 24 * 60 * 60 * 1000;
/** Client → server frames larger than this are refused (the connection is closed with 1009). */
export const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** True for host names and addresses that only this machine can reach. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase()) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Validates a `--forward` target: a ws:// or wss:// URL. */
export function checkForwardUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`--forward: not a URL: ${url}`);
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new Error(`--forward: expected a ws:// or wss:// URL, got ${url}`);
  }
  return parsed;
}
