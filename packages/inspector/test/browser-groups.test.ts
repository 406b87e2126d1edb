/// <reference lib="dom" />
/**
 * The inspector's group view (issue 24), in headless Chromium: a server and a group of 50 clients
 * is drawn as two lanes and a group panel (no 50 statecharts); picking a host draws its lane and
 * its statechart, folding it takes them away again. Like the other browser*.test.ts files it is
 * left out of CI's loaded pass (.ci/run).
 */

import type { SimulationConfig } from '@synack/network';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Inspector } from '../src/index.js';
import { launchBrowser, runFast, screenshotPath } from './helpers.js';

const COUNT = 50;
const groupRun: SimulationConfig = {
  seed: 3,
  profile: 'linux',
  endpoints: [
    {
      id: 'server',
      address: '10.0.0.2',
      actions: [{ at: 0, do: 'listen', port: 80 }],
      reactions: [{ on: 'peer-closed', do: 'close' }],
    },
  ],
  groups: [
    {
      name: 'clients',
      count: COUNT,
      id: 'client-{i}',
      address: '10.1.0.{i+1}',
      offset: 2,
      actions: [{ at: 0, do: 'connect', to: 'server', port: 80 }],
      reactions: [{ on: 'connected', do: 'close', after: 20 }],
    },
  ],
  topology: { links: [{ between: ['clients', 'server'], delay: 3 }] },
};

let browser: Browser;
let inspector: Inspector;
const pages: Page[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
  const run = await runFast(groupRun, { scenario: { name: 'fifty-clients' } });
  expect(run.result.ok).toBe(true);
  inspector = run.inspector;
});
afterAll(async () => {
  await inspector?.close();
  await browser?.close();
});
afterEach(async () => {
  await Promise.all(pages.splice(0).map((p) => p.close()));
  expect(pageErrors.splice(0)).toEqual([]);
});

async function openPage(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  pages.push(page);
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(msg.text());
  });
  await page.goto(inspector.url);
  await page.waitForSelector('body[data-run="done"]');
  await page.waitForSelector('#ladder .ladder-head .lane-title');
  // The ladder follows the end of the run (TIME_WAIT expiries, no segments): scroll to the start.
  await page.evaluate(() => {
    const ladder = document.getElementById('ladder');
    if (ladder) {
      ladder.scrollTop = 0;
      ladder.dispatchEvent(new Event('scroll'));
    }
  });
  await page.waitForSelector('#ladder .ladder-body .segment');
  return page;
}

const laneTitles = (page: Page) =>
  page.$$eval('#ladder .ladder-head .lane-title', (ts) => ts.map((t) => t.textContent));
const panels = (page: Page) =>
  page.$$eval('#endpoints > .endpoint', (ps) =>
    ps.map((p) => p.getAttribute('data-endpoint') ?? p.getAttribute('data-group')),
  );

describe('a run of one server and 50 clients', () => {
  it('folds the clients into one lane and one panel, the group counted by state', async () => {
    const page = await openPage();
    expect(await laneTitles(page)).toEqual(['server 10.0.0.2', `clients ×${COUNT}`]);
    expect(await panels(page)).toEqual(['server', 'clients']);
    // Every client's connection ended CLOSED (TIME_WAIT expired): 50 in the group's chips.
    expect(await page.textContent('.group-panel[data-group="clients"] .state-counts')).toContain(
      `CLOSED ${COUNT}`,
    );
    expect(await page.$$eval('.host-picker option', (os) => os.length)).toBe(COUNT + 1);
    expect(await page.textContent('#summary')).toContain(`clients ×${COUNT}: CLOSED ${COUNT}`);
    // A client's segments end on the group lane, not on a lane of their own.
    const groupX = await page.$eval('#ladder .lane-title[data-lane^="clients"]', (t) =>
      Number(t.getAttribute('x')),
    );
    const ends = await page.$$eval('#ladder .segment[data-from="server"] line.arrow', (ls) =>
      ls.filter((l) => !l.closest('.dropped, .in-flight')).map((l) => Number(l.getAttribute('x2'))),
    );
    expect(ends.length).toBeGreaterThan(0);
    for (const x of ends) expect(x).toBeCloseTo(groupX, 3);
    await page.screenshot({ path: screenshotPath('group-view-folded'), fullPage: true });
  });

  it('picking a host draws its lane and statechart; fold takes them away', async () => {
    const page = await openPage();
    await page.selectOption('.host-picker', 'client-7');
    await page.waitForSelector(
      '#endpoints > .endpoint[data-endpoint="client-7"] .statechart[data-state="CLOSED"]',
    );
    expect(await laneTitles(page)).toEqual(['server 10.0.0.2', 'client-7 10.1.0.8', `clients ×${COUNT - 1}`]);
    expect(await panels(page)).toEqual(['server', 'clients', 'client-7']);
    // client-7's own segments start on its lane: SYN, ACK, FIN…
    const laneX = await page.$eval('#ladder .lane-title[data-lane="client-7"]', (t) =>
      Number(t.getAttribute('x')),
    );
    await page.evaluate(() => {
      const ladder = document.getElementById('ladder');
      if (ladder) {
        ladder.scrollTop = 0;
        ladder.dispatchEvent(new Event('scroll'));
      }
    });
    await page.waitForSelector('#ladder .segment[data-from="client-7"]');
    const starts = await page.$$eval('#ladder .segment[data-from="client-7"] line.arrow', (ls) =>
      ls.map((l) => Number(l.getAttribute('x1'))),
    );
    expect(starts.length).toBeGreaterThan(0);
    for (const x of starts) expect(x).toBeCloseTo(laneX, 3);
    expect(await page.textContent('#summary')).toContain(
      `client-7: CLOSED; clients ×${COUNT - 1}: CLOSED ${COUNT - 1}`,
    );
    await page.screenshot({ path: screenshotPath('group-view-picked'), fullPage: true });
    await page.click('#endpoints > .endpoint[data-endpoint="client-7"] button.fold');
    await page.waitForFunction(
      () => !document.querySelector('#endpoints > .endpoint[data-endpoint="client-7"]'),
    );
    expect(await laneTitles(page)).toEqual(['server 10.0.0.2', `clients ×${COUNT}`]);
  });
});
