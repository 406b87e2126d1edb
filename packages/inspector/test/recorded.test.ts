/// <reference lib="dom" />
/**
 * A recorded source (`synack inspect --trace`): a trace recorded earlier, with no run behind
 * it, served whole; pages get every event and scrub it like a finished run. Server-side over
 * a WebSocket, then in headless Chromium (scrubbing a recorded trace to ESTABLISHED).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSimulation, type TraceEvent } from '@synack/network';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { endpointInfo, type Inspector, inspectRecorded, type StreamEvent } from '../src/index.js';
import { lifecycle } from './fixtures.js';
import { connectClient, launchBrowser, PACKAGE_DIR, screenshotPath, until } from './helpers.js';

const inspectors: Inspector[] = [];
let browser: Promise<Browser> | undefined;
afterEach(async () => {
  await Promise.all(inspectors.splice(0).map((i) => i.close()));
});
afterAll(async () => {
  await (await browser?.catch(() => undefined))?.close();
});

/** The lifecycle scenario's trace as `synack run --format jsonl` records it (no snapshots). */
async function recordedLifecycle(): Promise<TraceEvent[]> {
  const events: TraceEvent[] = [];
  const result = await runSimulation(lifecycle, { onTrace: (e) => events.push(e) });
  expect(result.ok).toBe(true);
  return events;
}

async function serve(events: StreamEvent[]): Promise<Inspector> {
  const inspector = await inspectRecorded(events, {
    scenario: { name: 'run.jsonl' },
    endpoints: endpointInfo(lifecycle),
  });
  inspectors.push(inspector);
  return inspector;
}

describe('recorded trace source', () => {
  it('sends a page the whole recorded stream at once, as a finished run', async () => {
    const events = await recordedLifecycle();
    const inspector = await serve(events);
    expect(inspector.control()).toMatchObject({ done: true, running: false, ok: true, total: events.length });
    const client = await connectClient(inspector.url);
    const hello = await client.waitFor((m) => m.type === 'hello');
    expect(hello).toMatchObject({ scenario: { name: 'run.jsonl' }, control: { done: true } });
    await until(async () => client.eventCount() === events.length, 5_000, 'every event sent');
    const received = client.messages.flatMap((m) => (m.type === 'events' ? m.events : []));
    expect(received).toEqual(events);
    client.ws.close();
  });

  it('a failed run stays failed: ok and error come from the summary', async () => {
    const events = await recordedLifecycle();
    const summary = events.at(-1) as TraceEvent & { ok: boolean; error?: string };
    expect(summary.kind).toBe('summary');
    const failed = [...events.slice(0, -1), { ...summary, ok: false, error: 'expectation failed' }];
    const inspector = await serve(failed);
    expect(inspector.control()).toMatchObject({ done: true, ok: false, error: 'expectation failed' });
  });
});

describe('recorded trace in Chromium', () => {
  it('opens a recorded trace, scrubs to ESTABLISHED and back to the end', async () => {
    const events = await recordedLifecycle();
    const inspector = await serve(events);
    browser ??= launchBrowser();
    const page: Page = await (await browser).newPage({ viewport: { width: 1600, height: 1200 } });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(String(err)));
    try {
      await page.goto(inspector.url);
      await page.waitForSelector(`body[data-run="done"][data-trace="${events.length}"]`);
      const clientState = () =>
        page.evaluate(
          () =>
            document
              .querySelector('.endpoint[data-endpoint="client"] .statechart .state.current')
              ?.getAttribute('data-state') ?? null,
        );
      await until(async () => (await clientState()) === 'CLOSED', 5_000, 'CLOSED at the end');
      const k =
        events.findIndex((e) => e.kind === 'state' && e.endpoint === 'client' && e.to === 'ESTABLISHED') + 1;
      await page.$eval(
        '#scrub',
        (el, v) => {
          (el as HTMLInputElement).value = String(v);
          el.dispatchEvent(new Event('input', { bubbles: true }));
        },
        k,
      );
      await page.waitForSelector(`body[data-cursor="${k}"][data-mode="replay"]`);
      await until(async () => (await clientState()) === 'ESTABLISHED', 5_000, 'ESTABLISHED after scrubbing');
      // The ladder shows only the segments sent up to the cursor: fewer than at the end.
      const atK = await page.locator('.ladder .segment').count();
      await page.click('#live');
      await page.waitForSelector(`body[data-mode="live"][data-cursor="${events.length}"]`);
      expect(await page.locator('.ladder .segment').count()).toBeGreaterThan(atK);
      expect(atK).toBeGreaterThan(0);
      await page.screenshot({ path: screenshotPath('recorded-trace'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('a replayed kernel capture in Chromium', () => {
  it('marks the segment the model would not have sent, naming the rule', async () => {
    // `synack replay packages/cli/test/fixtures/replay/early-fin-rto.pcap --format jsonl`: a kernel
    // capture with a lost final ACK, edited so the server's FIN is retransmitted after 20 ms.
    const text = readFileSync(join(PACKAGE_DIR, 'test/fixtures/replay-early-fin-rto.jsonl'), 'utf8');
    const events = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as StreamEvent);
    const ids = ['127.0.0.1:40000', '127.0.0.1:8080'];
    const inspector = await inspectRecorded(events, {
      scenario: { name: 'early-fin-rto.pcap' },
      endpoints: ids.map((id) => ({ id, address: '127.0.0.1', profile: 'linux', timeWait: 60_000 })),
    });
    inspectors.push(inspector);
    browser ??= launchBrowser();
    const page: Page = await (await browser).newPage({ viewport: { width: 1600, height: 1200 } });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(String(err)));
    try {
      await page.goto(inspector.url);
      await page.waitForSelector(`body[data-run="done"][data-trace="${events.length}"]`);
      const marked = page.locator('.ladder .segment.divergence');
      await until(async () => (await marked.count()) === 1, 5_000, 'one marked segment');
      expect(await marked.getAttribute('data-divergence')).toBe('rto-early');
      expect(await marked.getAttribute('data-from')).toBe('127.0.0.1:8080');
      expect(await marked.getAttribute('data-flags')).toBe('ACK,FIN');
      // Its tooltip (data-tip, made a <title> on first hover) and its accessible name say why.
      expect(await marked.getAttribute('aria-label')).toContain(
        'the model would not have sent it: rto-early: retransmitted 20.0 ms after the last copy',
      );
      expect(await marked.getAttribute('data-tip')).toContain(
        'the model would not have sent it: rto-early: retransmitted 20.0 ms after the last copy',
      );
      expect(await marked.locator('.seg-label').textContent()).toContain('✗ rto-early');
      // Every other segment is unmarked.
      expect(await page.locator('.ladder .segment').count()).toBe(11);
      await page.screenshot({ path: screenshotPath('replay-divergence'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
