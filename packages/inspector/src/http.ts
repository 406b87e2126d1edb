/**
 * The inspector's HTTP side: the page's static files from a fixed allow-list,
 * the recorded trace as JSON Lines, the statechart layout, and the guards every
 * response shares (the Host check against DNS rebinding, security headers).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isLoopback } from './options.js';
import type { Session } from './session.js';
import { loadStaticFiles } from './static.js';

const TEXT = 'text/plain; charset=utf-8';

/**
 * DNS-rebinding guard: on a loopback binding, only loopback Host headers are served (a page on
 * evil.example resolving to 127.0.0.1 sends `Host: evil.example`). `port()` is read per request
 * because the port is known only once the server listens.
 */
export function hostGuard(host: string, port: () => number): (req: IncomingMessage) => boolean {
  if (!isLoopback(host)) return () => true;
  return (req) => {
    const p = port();
    const allowed = [`127.0.0.1:${p}`, `localhost:${p}`, `[::1]:${p}`, `${host}:${p}`];
    return allowed.includes(String(req.headers.host ?? '').toLowerCase());
  };
}

function securityHeaders(req: IncomingMessage, port: number) {
  // Only a plain host[:port] goes into the policy (the Host header is unchecked off loopback).
  const hostHeader = /^[\w.:[\]-]+$/.test(req.headers.host ?? '') ? req.headers.host : `127.0.0.1:${port}`;
  return {
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'content-security-policy': `default-src 'self'; connect-src 'self' ws://${hostHeader}; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'`,
  };
}

export interface HttpHandlerOptions {
  session: Session;
  hostAllowed: (req: IncomingMessage) => boolean;
  port: () => number;
}

/** The request listener for node:http's createServer. */
export function httpHandler({
  session,
  hostAllowed,
  port,
}: HttpHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const files = loadStaticFiles();
  const reply = (
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    body: string | Buffer,
    type: string,
  ) => {
    res.writeHead(status, {
      'content-type': type,
      'content-length': Buffer.byteLength(body),
      ...securityHeaders(req, port()),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (!hostAllowed(req)) return reply(req, res, 421, 'misdirected request\n', TEXT);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return reply(req, res, 405, 'method not allowed\n', TEXT);
    }
    // The raw request target, not decoded or normalised: only exact allow-listed paths match.
    const path = (req.url ?? '/').split('?')[0];
    const file = files.get(path);
    if (file) return reply(req, res, 200, file.body, file.type);
    if (path === '/trace.jsonl')
      return reply(req, res, 200, traceJsonLines(session), 'application/x-ndjson; charset=utf-8');
    if (path === '/statechart.json') {
      return reply(req, res, 200, JSON.stringify(session.statechart), 'application/json; charset=utf-8');
    }
    if (path === '/favicon.ico') {
      res.writeHead(204, securityHeaders(req, port()));
      return res.end();
    }
    return reply(req, res, 404, 'not found\n', TEXT);
  };

  return (req, res) => {
    try {
      handle(req, res);
    } catch {
      // Never let one odd request take the run down.
      if (!res.headersSent) res.writeHead(500, { 'content-type': TEXT });
      res.end('internal error\n');
    }
  };
}

/** The trace recorded so far, without the inspection events: what `synack run --format jsonl` prints. */
function traceJsonLines(session: Session): string {
  return session.events
    .filter((e) => e.kind !== 'inspect')
    .map((e) => `${JSON.stringify(e)}\n`)
    .join('');
}
