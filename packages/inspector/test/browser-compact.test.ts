/// <reference lib="dom" />
/**
 * Views and their export in headless Chromium: the compact view for floods (a SYN flood's
 * connections by state over time as a stacked histogram, button or the C key, following the
 * scrubber, exported as SVG and PNG in place of the ladder), and the cwnd plot's own export.
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { deriveModel } from '../public/model.js';
import { stateHistogram } from '../public/state-histogram.js';
import type { Inspector, StreamEvent } from '../src/index.js';
import { lossyBulk, synFlood } from './fixtures.js';
import { launchBrowser, runFast, screenshotPath, until } from './helpers.js';

let browser: Promise<Browser> | undefined;
const inspectors: Inspector[] = [];
const pages: Page[] = [];
const errors: string[] = [];
afterEach(async () => {
  await Promise.all(pages.splice(0).map((p) => p.close()));
  await Promise.all(inspectors.splice(0).map((i) => i.close()));
  expect(errors.splice(0)).toEqual([]);
});
afterAll(async () => {
  await (await browser?.catch(() => undefined))?.close();
});

const legend = (page: Page) =>
  page.evaluate(() =>
    Object.fromEntries(
      Array.from(document.querySelectorAll('#histogram .legend-item')).map((e) => [
        e.getAttribute('data-state'),
        Number(e.textContent?.trim().split(' ').at(-1)),
      ]),
    ),
  );

describe('compact view (Chromium)', () => {
  it("a SYN flood's states over time: C toggles it, the scrubber moves it, export writes it", async () => {
    const run = await runFast(synFlood);
    inspectors.push(run.inspector);
    browser ??= launchBrowser();
    const page = await (await browser).newPage({
      viewport: { width: 1600, height: 1200 },
      acceptDownloads: true,
    });
    pages.push(page);
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(run.inspector.url);
    await page.waitForSelector('body[data-run="done"][data-connected="true"]');
    const events = run.inspector.events as StreamEvent[];

    await page.keyboard.press('c');
    await page.waitForSelector('body[data-compact="true"] #histogram:not([hidden]) svg.state-histogram');
    expect(await page.locator('#ladder').isHidden()).toBe(true);
    expect(await page.locator('#compact').getAttribute('aria-pressed')).toBe('true');
    // What the page shows is what the model says at the end of the run.
    const hello = { endpoints: [] };
    const model = deriveModel(hello, events, events.length);
    const expected = stateHistogram(model.stateEvents, model.t);
    const last = expected.bins.at(-1)!;
    await until(async () => (await legend(page)).CLOSED === last.closed, 5_000, 'legend at the end');
    expect(expected.peak).toBeGreaterThan(3);
    expect(expected.states).toContain('SYN_RECEIVED');
    expect(await page.locator('#histogram g.bin').count()).toBe(expected.bins.length);
    const drawnPeak = await page.evaluate(() =>
      Math.max(
        ...Array.from(document.querySelectorAll('#histogram g.bin')).map((g) =>
          Array.from(g.querySelectorAll('rect')).reduce(
            (n, r) => n + Number(r.getAttribute('data-count')),
            0,
          ),
        ),
      ),
    );
    expect(drawnPeak).toBe(expected.peak);
    await page.screenshot({ path: screenshotPath('compact-syn-flood'), fullPage: true });

    // Scrub back to a tenth of the run: fewer connections, the time axis ends there.
    const total = Number(await page.evaluate(() => document.body.dataset.trace));
    const k = Math.floor(total / 10);
    await page.$eval(
      '#scrub',
      (el, v) => {
        (el as HTMLInputElement).value = String(v);
        el.dispatchEvent(new Event('input', { bubbles: true }));
      },
      k,
    );
    await page.waitForSelector(`body[data-cursor="${k}"]`);
    await until(
      async () => {
        const text = (await page.locator('#histogram .histogram-legend').textContent()) ?? '';
        const n = Number(/^(\d+) connections/.exec(text)?.[1]);
        return n > 0 && n < expected.connections;
      },
      5_000,
      'fewer connections earlier',
    );

    // Export in compact view: the histogram, as SVG and PNG.
    const [svgDownload] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-export="ladder"][data-format="svg"]'),
    ]);
    const svg = readFileSync((await svgDownload.path())!, 'utf8');
    expect(svg).toContain('class="state-histogram"');
    expect(svg).toContain('data-state="SYN_RECEIVED"');
    const [pngDownload] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-export="ladder"][data-format="png"]'),
    ]);
    const png = readFileSync((await pngDownload.path())!);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');

    // The button (and C again) gives the ladder back.
    await page.click('#compact');
    await page.waitForSelector('body[data-compact="false"]');
    await until(async () => (await page.locator('.ladder .segment').count()) > 0, 5_000, 'ladder back');
    expect(await page.locator('#histogram').isHidden()).toBe(true);
  });

  it("exports the shown connection's cwnd plot as SVG and PNG", async () => {
    const run = await runFast(lossyBulk);
    inspectors.push(run.inspector);
    browser ??= launchBrowser();
    const page = await (await browser).newPage({
      viewport: { width: 1600, height: 1200 },
      acceptDownloads: true,
    });
    pages.push(page);
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(run.inspector.url);
    await page.waitForSelector('body[data-run="done"][data-connected="true"]');
    const plot = page.locator('.endpoint[data-endpoint="client"] .cwnd-plot');
    await until(async () => Number(await plot.getAttribute('data-samples')) > 10, 5_000, 'cwnd plot drawn');
    const points = await plot.locator('polyline[data-series="cwnd"]').getAttribute('points');
    const panel = '.endpoint[data-endpoint="client"]';
    const [svgDownload] = await Promise.all([
      page.waitForEvent('download'),
      page.click(`${panel} [data-export="cwnd"][data-format="svg"]`),
    ]);
    expect(svgDownload.suggestedFilename()).toMatch(/^synack-.*-client-cwnd-event\d+\.svg$/);
    const svg = readFileSync((await svgDownload.path())!, 'utf8');
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg).toContain(`points="${points}"`);
    expect(svg).toMatch(/<polyline [^>]*stroke="rgb\(/);
    const [pngDownload] = await Promise.all([
      page.waitForEvent('download'),
      page.click(`${panel} [data-export="cwnd"][data-format="png"]`),
    ]);
    const png = readFileSync((await pngDownload.path())!);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBeGreaterThan(200);
  });
});
