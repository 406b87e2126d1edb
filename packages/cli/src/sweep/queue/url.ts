/**
 * `--queue URL`: where the sweep queue lives. redis://[user:password@]host[:port][/db] or
 * rediss:// (TLS), the forms ioredis accepts; checked here so a typo is a one-line input error
 * before anything connects.
 */
import { InputError } from '../../schema.js';

/** Redis's default `databases 16`; a server configured with more is rare enough to ask for an edit. */
const MAX_DB = 15;

export interface QueueUrl {
  /** As given, passed to ioredis. */
  url: string;
  /** For messages: the password replaced by "***". */
  shown: string;
  tls: boolean;
  host: string;
  port: number;
  db: number;
}

/** Parses and bounds a queue URL; throws InputError naming the problem. */
export function parseQueueUrl(text: string): QueueUrl {
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new InputError(`--queue: not a URL: "${text}" (expected redis://host:port[/db] or rediss://…)`);
  }
  const shown = redact(parsed);
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new InputError(`--queue: ${shown}: the scheme must be redis:// or rediss:// (TLS)`);
  }
  if (!parsed.hostname) throw new InputError(`--queue: ${shown}: no host`);
  const port = parsed.port === '' ? 6379 : Number(parsed.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InputError(`--queue: ${shown}: port must be in [1, 65535]`);
  }
  const path = parsed.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d{1,2}$/.test(path)) {
    throw new InputError(`--queue: ${shown}: the path must be a database number, e.g. /0`);
  }
  const db = path === '' ? 0 : Number(path);
  if (db > MAX_DB) throw new InputError(`--queue: ${shown}: database must be in [0, ${MAX_DB}]`);
  if (parsed.search || parsed.hash) {
    throw new InputError(`--queue: ${shown}: no query string or fragment expected`);
  }
  return { url: text, shown, tls: parsed.protocol === 'rediss:', host: parsed.hostname, port, db };
}

function redact(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password) copy.password = '***';
  return copy.href.replace(/\/$/, '');
}
