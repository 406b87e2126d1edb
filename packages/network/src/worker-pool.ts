/**
 * Worker threads for endpoints: one request/response channel per thread (a thread hosts one or
 * more endpoints, placement.ts), and a pool that keeps threads alive across runs (sweeps run thousands of short simulations; starting threads would
 * cost more than simulating).
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './protocol.js';

let liveWorkers = 0;

/** Worker threads currently alive (started by this module and not yet exited). */
export function liveWorkerCount(): number {
  return liveWorkers;
}

function workerScript(): URL {
  const here = fileURLToPath(import.meta.url);
  // Under vitest the sources run from src/*.ts, but Node loads worker files itself: use the build.
  return here.endsWith('.ts')
    ? new URL('../dist/worker.js', import.meta.url)
    : new URL('./worker.js', import.meta.url);
}

function workerExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if ((arg === '--conditions' || arg === '-C') && i + 1 < argv.length) out.push(arg, argv[++i]);
    else if (arg.startsWith('--conditions=') || arg === '--enable-source-maps' || arg === '--no-warnings')
      out.push(arg);
    // Profiling the workers too (issue 17: `node --cpu-prof` profiles every thread, one file each).
    else if (arg === '--cpu-prof' || arg.startsWith('--cpu-prof-dir=')) out.push(arg);
  }
  return out;
}

/** One worker thread and its request/response channel; reusable across runs through a WorkerPool. */
export class EndpointThread {
  private readonly worker: Worker;
  /**
   * Requests awaiting their reply, oldest first. The worker answers messages one at a time in the
   * order they came, so each reply belongs to the oldest. A run that stops early (a crash on another
   * thread) may ask for reports while a window is still out: with one slot, the second request took
   * the first one's reply and the report's own reply then answered the next run's init.
   */
  private readonly pending: { resolve: (m: FromWorker) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | undefined;
  private exited = false;
  private readonly exitPromise: Promise<void>;
  /** Ids of the endpoints this thread hosts, comma-separated (placement.ts sets it). */
  label = '?';

  constructor() {
    this.worker = new Worker(workerScript(), {
      name: 'synack:endpoint',
      // Workers inherit only flags that make sense per thread (resolution conditions, source maps);
      // per-process flags such as --expose-gc or --input-type are refused in a Worker.
      execArgv: workerExecArgv(),
    });
    liveWorkers++;
    this.exitPromise = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        liveWorkers--;
        this.exited = true;
        if (this.pending.length > 0) {
          this.fail(new Error(`${this.hosted()}: worker exited${code !== 0 ? ` with code ${code}` : ''}`));
        }
        resolve();
      });
    });
    this.worker.on('error', (err) => this.fail(new Error(`${this.hosted()}: ${err.message}`)));
    this.worker.on('message', (message: FromWorker) => {
      // The worker names the endpoint that failed; a thread one of them failed in is never reused.
      if (message.type === 'error') return this.fail(new Error(message.message));
      this.pending.shift()?.resolve(message);
    });
  }

  /** `endpoint "server"`, or `endpoints "a", "b", … (N on this thread)` for a shared thread. */
  private hosted(): string {
    const ids = this.label.split(', ');
    if (ids.length === 1) return `endpoint "${ids[0]}"`;
    const shown = ids.slice(0, 3).map((id) => `"${id}"`);
    return `endpoints ${shown.join(', ')}${ids.length > 3 ? `, … (${ids.length} on this thread)` : ''}`;
  }

  /** True while the thread is alive, has never failed and owes no reply (so it may serve another run). */
  get healthy(): boolean {
    return !this.failure && !this.exited && this.pending.length === 0;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const request of this.pending.splice(0)) request.reject(error);
  }

  request(message: ToWorker, transfer: ArrayBuffer[] = []): Promise<FromWorker> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.exited) return Promise.reject(new Error(`${this.hosted()}: worker is gone`));
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.worker.postMessage(message, transfer);
    });
  }

  post(message: ToWorker): void {
    if (this.healthy) this.worker.postMessage(message);
  }

  async terminate(): Promise<void> {
    if (!this.exited) await this.worker.terminate();
    await this.exitPromise;
  }
}

/**
 * Long-lived endpoint threads shared by many runs (sweeps run thousands of short simulations;
 * starting threads would cost more than simulating). A thread that failed is never reused.
 */
export class WorkerPool {
  private idle: EndpointThread[] = [];
  private closed = false;

  acquire(): EndpointThread {
    if (this.closed) throw new Error('worker pool is closed');
    return this.idle.pop() ?? new EndpointThread();
  }

  release(thread: EndpointThread): Promise<void> {
    if (this.closed || !thread.healthy) return thread.terminate();
    // Drop the finished run's endpoint so the thread holds no state between runs.
    thread.post({ type: 'dispose' });
    this.idle.push(thread);
    return Promise.resolve();
  }

  /** Threads alive in the pool, idle. */
  get size(): number {
    return this.idle.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    const idle = this.idle;
    this.idle = [];
    await Promise.all(idle.map((t) => t.terminate()));
  }
}
