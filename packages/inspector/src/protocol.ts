/**
 * The server ↔ page protocol (JSON text frames over one WebSocket at `/ws`).
 * Documented for other consumers in README.md ("Protocol").
 */
import type { SerializedInspection, TraceEvent } from '@synack/network';
import type { StatechartLayout } from './layout.js';
import { MAX_HOLD, MAX_SPEED } from './options.js';

export const PROTOCOL_VERSION = 1;

/** An XState inspection event as it appears in the event stream. */
export interface InspectStreamEvent {
  t: number;
  kind: 'inspect';
  endpoint: string;
  inspection: SerializedInspection;
}

/**
 * A line of narration (`synack run --explain --format jsonl` writes them; a recorded source is
 * narrated when served): `ref` is the index, among the stream's trace events without the
 * narration lines, of the event it explains, which it follows. The page shows them beside the
 * ladder.
 */
export interface ExplainStreamEvent {
  t: number;
  kind: 'explain';
  endpoint: '*';
  lang: 'en' | 'zh';
  text: string;
  ref: number;
}

/**
 * One event of the stream: a trace event (the JSON Lines contract of @synack/network:
 * state, send, deliver, drop, duplicate, timer, app, summary, …), a narration line or an
 * `inspect` event. Its position in the stream (0, 1, 2, …) is its index.
 */
export type StreamEvent = TraceEvent | InspectStreamEvent | ExplainStreamEvent;

export interface EndpointInfo {
  id: string;
  address: string;
  profile: string;
  /** TIME_WAIT duration of this endpoint's profile (virtual ms). */
  timeWait: number;
  /** The scenario group this host was made from (issue 24): the page may fold the group's hosts. */
  group?: string;
}

export interface ControlState {
  /** The run waits before its next virtual instant until resumed or stepped. */
  paused: boolean;
  /** Virtual ms per wall ms (10 = ten times faster than real time). */
  speed: number;
  /** Wall ms the run holds after an instant in which some connection changed state. */
  hold: number;
  /** The simulation has started and not finished. */
  running: boolean;
  /** The simulation has finished (the summary event is in the stream). */
  done: boolean;
  /** Virtual time of the last instant the run was allowed to process (-1 before the first). */
  t: number;
  /** Events recorded so far. */
  total: number;
  ok?: boolean;
  error?: string;
}

export interface HelloMessage {
  type: 'hello';
  protocol: number;
  /** Random id of this server process: a page that reconnects to a different session starts over. */
  session: string;
  scenario: { name: string; description?: string };
  endpoints: EndpointInfo[];
  statechart: StatechartLayout;
  control: ControlState;
}

/** A batch of consecutive stream events; `start` is the index of the first. */
export interface EventsMessage {
  type: 'events';
  start: number;
  events: StreamEvent[];
}

export interface ControlMessage {
  type: 'control';
  control: ControlState;
}

export interface ErrorMessage {
  type: 'error';
  message: string;
}

export type ServerMessage = HelloMessage | EventsMessage | ControlMessage | ErrorMessage;

export type ClientMessage =
  | { type: 'pause' }
  | { type: 'resume' }
  /** Process exactly one more virtual instant, then stay paused (pauses first when running). */
  | { type: 'step' }
  | { type: 'speed'; speed: number }
  | { type: 'hold'; hold: number }
  | { type: 'ping' };

/** Parses and validates one client frame; returns an error message instead of throwing. */
export function parseClientMessage(text: string): ClientMessage | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: 'malformed message: not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { error: 'malformed message: expected a JSON object' };
  }
  const msg = value as Record<string, unknown>;
  switch (msg.type) {
    case 'pause':
    case 'resume':
    case 'step':
    case 'ping':
      return { type: msg.type };
    case 'speed': {
      const speed = msg.speed;
      if (typeof speed !== 'number' || !Number.isFinite(speed) || speed <= 0 || speed > MAX_SPEED) {
        return { error: `speed must be a number in (0, ${MAX_SPEED}]` };
      }
      return { type: 'speed', speed };
    }
    case 'hold': {
      const hold = msg.hold;
      if (typeof hold !== 'number' || !Number.isFinite(hold) || hold < 0 || hold > MAX_HOLD) {
        return { error: `hold must be a number of ms in [0, ${MAX_HOLD}]` };
      }
      return { type: 'hold', hold };
    }
    default:
      return {
        error: `unknown message type ${JSON.stringify(String(msg.type)).slice(0, 60)} (expected pause, resume, step, speed, hold, ping)`,
      };
  }
}
