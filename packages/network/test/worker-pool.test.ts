/**
 * EndpointThread's request/reply channel: the worker answers messages one at a time in the order
 * they came, so every reply belongs to the oldest open request — also when a run that stopped early
 * asks for reports while a window request is still out (found as a flaky pool-reuse test: the
 * report's reply answered the next run's init).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EndpointThread, liveWorkerCount } from '../src/worker-pool.js';

const threads: EndpointThread[] = [];

afterEach(async () => {
  await Promise.all(threads.splice(0).map((t) => t.terminate()));
  expect(liveWorkerCount()).toBe(0);
});

function thread(): EndpointThread {
  const t = new EndpointThread();
  threads.push(t);
  return t;
}

describe('EndpointThread requests', () => {
  it('two requests sent before either reply each get their own reply, in order', async () => {
    const t = thread();
    const init = t.request({ type: 'init', addresses: {}, endpoints: [], quiet: true });
    const report = t.request({ type: 'report', slots: [] });
    expect(t.healthy).toBe(false);
    const [first, second] = await Promise.all([init, report]);
    expect(first.type).toBe('ready');
    expect(second.type).toBe('report');
    expect(t.healthy).toBe(true);
  });

  it('is not healthy (not reusable) while any request still waits for its reply', async () => {
    const t = thread();
    const init = t.request({ type: 'init', addresses: {}, endpoints: [], quiet: true });
    const report = t.request({ type: 'report', slots: [] });
    await init;
    expect(t.healthy).toBe(false);
    await report;
    expect(t.healthy).toBe(true);
  });
});
