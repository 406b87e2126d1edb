import { createWriteStream, type WriteStream } from 'node:fs';
import type { TraceEvent } from './types.js';

/** One trace event as one JSON line (the public contract documented in the README). */
export function toJsonLine(event: TraceEvent): string {
  return `${JSON.stringify(event)}\n`;
}

/** The whole trace as JSON Lines text. */
export function toJsonLines(events: readonly TraceEvent[]): string {
  let out = '';
  for (const event of events) out += toJsonLine(event);
  return out;
}

/** Parses JSON Lines text back into events (blank lines ignored). */
export function parseJsonLines(text: string): TraceEvent[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      try {
        return JSON.parse(line) as TraceEvent;
      } catch {
        throw new Error(`trace line ${i + 1} is not valid JSON`);
      }
    });
}

/** Streams events to a file as they happen; `close()` resolves once flushed. */
export class JsonLinesWriter {
  private readonly stream: WriteStream;

  constructor(path: string) {
    this.stream = createWriteStream(path);
  }

  write(event: TraceEvent): void {
    this.stream.write(toJsonLine(event));
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.stream.end((err?: Error | null) => (err ? reject(err) : resolve()));
    });
  }
}
