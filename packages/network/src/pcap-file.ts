/**
 * A pcap file written as the run goes: the global header when it opens, then each record with
 * one synchronous write as it is captured. Every prefix of the file on disk is therefore a valid
 * capture (a run killed with SIGKILL leaves the packets up to the kill, readable by tshark), and
 * a long run never holds its packets in memory.
 *
 * A write that fails (disk full, I/O error) does not throw into the simulation: the sink stops
 * writing, remembers the first error, and `close` reports it, so the caller can finish the run's
 * own output first and then say in one line which file is incomplete.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { pcapGlobalHeader } from './pcap.js';

/** A capture file that could not be written completely; `code` is the errno name. */
export class PcapFileError extends Error {
  override name = 'PcapFileError';
  constructor(
    readonly path: string,
    readonly code: string,
  ) {
    super(`cannot write ${path} (${code})`);
  }
}

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err);
}

export class PcapFileSink {
  private fd: number | undefined;
  private failure: string | undefined;

  /** Creates (or truncates) `path` and writes the global header; throws PcapFileError when it cannot. */
  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'w');
    } catch (err) {
      throw new PcapFileError(path, errorCode(err));
    }
    this.append(pcapGlobalHeader());
  }

  /** Appends one record (or the header); after a failure, does nothing. */
  append(bytes: Buffer): void {
    if (this.fd === undefined || this.failure !== undefined) return;
    try {
      let offset = 0;
      while (offset < bytes.length) offset += writeSync(this.fd, bytes, offset);
    } catch (err) {
      this.failure = errorCode(err);
    }
  }

  /** Closes the file; throws PcapFileError if any write (or the close) failed. */
  close(): void {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch (err) {
        this.failure ??= errorCode(err);
      }
      this.fd = undefined;
    }
    if (this.failure !== undefined) throw new PcapFileError(this.path, this.failure);
  }
}
