/**
 * The submitter's connections to Redis: a plain client for the sweep's own keys, the BullMQ
 * queue and its event stream. Opening checks the server answers (one-line input error when it
 * does not), so a wrong host or password never leaves the sweep waiting.
 */
import type { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { InputError } from '../../schema.js';
import { errorText, loadQueueModules, QUEUE_NAME } from './protocol.js';
import type { QueueUrl } from './url.js';

/** How long the first connection may take before the URL is reported unreachable. */
const CONNECT_TIMEOUT_MS = 5000;

/**
 * Commands of the submitter fail after this many reconnection attempts instead of waiting
 * forever, so an outage surfaces in the collect loop (which decides how long to wait).
 */
const RETRIES_PER_REQUEST = 2;

/** How long closing the queue and its event stream may take before they are dropped. */
const CLOSE_TIMEOUT_MS = 2000;

export interface QueueConnection {
  redis: Redis;
  queue: Queue;
  events: QueueEvents;
  close(): Promise<void>;
}

/** Connects, pings, and opens the queue and its events; throws InputError when unreachable. */
export async function openQueueConnection(target: QueueUrl): Promise<QueueConnection> {
  const { bullmq, Redis } = await loadQueueModules();
  await checkReachable(target);
  const redis = new Redis(target.url, { maxRetriesPerRequest: RETRIES_PER_REQUEST });
  // Connection errors surface through the commands; an unhandled 'error' event would crash.
  redis.on('error', () => {});
  const connection = { url: target.url, maxRetriesPerRequest: RETRIES_PER_REQUEST };
  const queue = new bullmq.Queue(QUEUE_NAME, { connection });
  const events = new bullmq.QueueEvents(QUEUE_NAME, {
    connection: { url: target.url, maxRetriesPerRequest: null },
  });
  queue.on('error', () => {});
  events.on('error', () => {});
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  return {
    redis,
    queue,
    events,
    async close() {
      redis.disconnect();
      // After Redis restarted without persistence, BullMQ's close() can wait forever for the
      // event stream's blocked read (the sweep printed its one-line error and never exited:
      // sweep-queue test "Redis restarted without persistence"). Closing is bounded; what is
      // left is then dropped, not awaited.
      const closed = Promise.allSettled([events.close(), queue.close()]);
      try {
        await withTimeout(closed, CLOSE_TIMEOUT_MS);
      } catch {
        void Promise.allSettled([events.disconnect(), queue.disconnect()]);
      }
    },
  };
}

/** One connection attempt and a PING (no retries); InputError naming the cause when it fails. */
export async function checkReachable(target: QueueUrl): Promise<void> {
  const { Redis } = await loadQueueModules();
  let cause: unknown;
  const probe = new Redis(target.url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: CONNECT_TIMEOUT_MS,
  });
  probe.on('error', (err) => {
    cause ??= err;
  });
  try {
    await withTimeout(
      probe.connect().then(() => probe.ping()),
      CONNECT_TIMEOUT_MS,
    );
  } catch (err) {
    throw new InputError(`--queue: cannot reach Redis at ${target.shown} (${errorText(cause ?? err)})`);
  } finally {
    probe.disconnect();
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
