/**
 * The inspector's WebSocket side: one endpoint, `/ws`, guarded against other
 * origins (cross-site WebSocket hijacking) and foreign Host headers, with a
 * size limit on client frames and a budget of malformed messages per page.
 * What is sent and what a message does is the session's business.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { MAX_CLIENT_MESSAGE_BYTES } from './options.js';
import { parseClientMessage } from './protocol.js';
import type { Client, Session } from './session.js';

export interface WebSocketOptions {
  session: Session;
  hostAllowed: (req: IncomingMessage) => boolean;
  /** Malformed messages tolerated per page before it is closed with 1008. */
  maxClientErrors: number;
}

function refuse(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Serves `/ws` on `server`'s upgrade requests; returns the WebSocketServer (to close it). */
export function attachWebSocket(server: Server, options: WebSocketOptions): WebSocketServer {
  const { session, hostAllowed } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if ((req.url ?? '').split('?')[0] !== '/ws') return refuse(socket, '404 Not Found');
    if (!hostAllowed(req)) return refuse(socket, '421 Misdirected Request');
    // Cross-site WebSocket hijacking guard: a browser page may only connect from this origin.
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host}`)
      return refuse(socket, '403 Forbidden');
    if (session.closed) return refuse(socket, '503 Service Unavailable');
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, options));
  });
  return wss;
}

function onConnection(ws: WebSocket, { session, maxClientErrors }: WebSocketOptions): void {
  // Oversized frames make ws close the socket (1009) and report an error here: nothing else to do.
  ws.on('error', () => {});
  const client = session.addClient(ws);
  const clientError = (message: string) => {
    client.errors++;
    session.send(client, { type: 'error', message });
    if (client.errors >= maxClientErrors) ws.close(1008, 'too many malformed messages');
  };
  ws.on('message', (data, isBinary) => {
    if (isBinary) return clientError('binary messages are not accepted; send JSON text');
    const parsed = parseClientMessage(data.toString());
    if ('error' in parsed) return clientError(parsed.error);
    session.handleMessage(client, parsed);
  });
}

/**
 * Closes every page (1001), waits a moment for them to acknowledge, then cuts off the rest.
 */
export async function closePages(clients: Set<Client>): Promise<void> {
  for (const client of clients) client.ws.close(1001, 'inspector closing');
  await new Promise<void>((resolve) => {
    // wall-clock: give pages a moment to acknowledge the close, then cut them off.
    const timer = setTimeout(() => {
      for (const client of clients) client.ws.terminate();
      resolve();
    }, 500);
    const check = () => {
      if (clients.size === 0) {
        clearTimeout(timer);
        resolve();
      }
    };
    for (const client of clients) client.ws.once('close', check);
    check();
  });
}
