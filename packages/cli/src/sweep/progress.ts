/**
 * Sweep progress on stderr: a cli-progress bar on a terminal, otherwise a
 * plain line every few seconds (logs and CI stay readable). Both show the
 * rate and an ETA.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  tick(done: number): void;
  stop(done: number): void;
  /** Extra status shown after the rate (a queue sweep: its workers and retries). */
  note(text: string): void;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return m < 60 ? `${m} min ${s} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export interface ProgressOptions {
  total: number;
  /** A terminal to draw the bar on; without it, plain lines go to `write`. */
  tty?: NodeJS.WriteStream;
  write: (text: string) => void;
  /** Plain mode: ms between lines (default 2000). */
  interval?: number;
  enabled?: boolean;
}

export function createProgress(options: ProgressOptions): Progress {
  const { total } = options;
  const start = performance.now();
  const rate = (done: number) => done / Math.max(1e-3, (performance.now() - start) / 1000);
  if (options.enabled === false) return { tick() {}, stop() {}, note() {} };
  let extra = '';
  if (options.tty) {
    const bar = new cliProgress.SingleBar(
      {
        stream: options.tty,
        format:
          'sweep |{bar}| {percentage}% | {value}/{total} runs | {rate} runs/s | ETA {eta_formatted}{extra}',
        hideCursor: true,
        etaBuffer: 200,
        fps: 10,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { rate: '0', extra });
    return {
      tick: (done) => bar.update(done, { rate: rate(done).toFixed(0), extra }),
      stop: (done) => {
        bar.update(done, { rate: rate(done).toFixed(0), extra });
        bar.stop();
      },
      note: (text) => {
        extra = text ? ` | ${text}` : '';
        bar.update({ extra });
      },
    };
  }
  const interval = options.interval ?? 2000;
  let last = start;
  const line = (done: number) => {
    const r = rate(done);
    const pct = total ? ((100 * done) / total).toFixed(1) : '100.0';
    return `sweep: ${done}/${total} runs (${pct} %), ${r.toFixed(0)} runs/s, ETA ${formatDuration((total - done) / r)}${extra.replace(' |', ',')}\n`;
  };
  return {
    tick(done) {
      const now = performance.now();
      if (now - last >= interval) {
        last = now;
        options.write(line(done));
      }
    },
    stop(done) {
      options.write(line(done));
    },
    note(text) {
      extra = text ? ` | ${text}` : '';
    },
  };
}
