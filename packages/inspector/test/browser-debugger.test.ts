/// <reference lib="dom" />
/**
 * The inspector as a debugger (issue 23), in headless Chromium: a dense ladder drawn only where
 * it is seen, labels that never overprint, filters, the searchable event list in step with the
 * scrubber and the ladder. Screenshots go to test-results/screenshots/.
 * Like browser.test.ts this file is left out of CI's loaded pass (.ci/run): it drives a browser.
 */

import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Inspector, inspectSimulation, type StreamEvent } from '../src/index.js';
import { lossyTransfer, lostFinalAck, synFlood } from './fixtures.js';
import { launchBrowser, screenshotPath, sleep, until } from './helpers.js';

let browser: Browser;
const pages: Page[] = [];
const pageErrors: string[] = [];
let lossy: Inspector;

beforeAll(async () => {
  browser = await launchBrowser();
  // One finished lossy-transfer run serves every test (pages only read it).
  const run = await inspectSimulation(lossyTransfer, {
    speed: 1_000_000,
    hold: 0,
    scenario: { name: 'lossy-transfer' },
  });
  lossy = run.inspector;
  expect((await run.result).ok).toBe(true);
});
afterAll(async () => {
  await lossy?.close();
  await browser?.close();
});
/** Pages close before the inspector they show: a page left open asks the stopped server again (ERR_CONNECTION_REFUSED). */
async function closePages(): Promise<void> {
  await Promise.all(pages.splice(0).map((p) => p.close()));
}
afterEach(async () => {
  await closePages();
  expect(pageErrors.splice(0)).toEqual([]);
});

async function openPage(inspector: Inspector, viewport = { width: 1280, height: 720 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  pages.push(page);
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(msg.text());
  });
  await page.goto(inspector.url);
  await page.waitForSelector('body[data-run="done"]');
  // Every event replayed to the page (a loaded machine may still be sending batches at "done").
  const total = (inspector.events as StreamEvent[]).filter((e) => e.kind !== 'inspect').length;
  await page.waitForSelector(`body[data-trace="${total}"]`);
  await page.waitForSelector('.ladder-body .segment');
  return page;
}

const trace = () => (lossy.events as StreamEvent[]).filter((e) => e.kind !== 'inspect');
/** A send event as these tests read it (the trace union does not narrow on a plain literal here). */
type Send = StreamEvent & {
  kind: 'send';
  id: number;
  seg: { flags: string[] };
  retransmit?: boolean;
};
const sends = () => trace().filter((e) => e.kind === 'send') as Send[];
const isResend = (e: Send) => Boolean(e.retransmit || 'cause' in e);

/** In the page: the drawn segments and their visible labels' boxes. */
function drawnLadder() {
  const segs = Array.from(document.querySelectorAll('#ladder .ladder-body .segment'));
  const boxes = Array.from(document.querySelectorAll<SVGTextElement>('#ladder .seg-label'))
    .filter((t) => getComputedStyle(t).display !== 'none' && getComputedStyle(t).visibility !== 'hidden')
    .map((t) => {
      const r = t.getBoundingClientRect();
      return [r.left, r.top, r.right, r.bottom, t.textContent ?? ''] as const;
    });
  const overlaps: string[] = [];
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, b] = [boxes[i], boxes[j]];
      // 0.5 px of tolerance: anti-aliased glyph edges may touch.
      if (a[0] < b[2] - 0.5 && a[2] > b[0] + 0.5 && a[1] < b[3] - 0.5 && a[3] > b[1] + 0.5)
        overlaps.push(`${a[4]} / ${b[4]}`);
    }
  const svg = document.querySelector('#ladder .ladder-body')!;
  return {
    ids: segs.map((g) => Number(g.getAttribute('data-id'))),
    classes: segs.map((g) => g.getAttribute('class') ?? ''),
    flags: segs.map((g) => g.getAttribute('data-flags') ?? ''),
    hidden: document.querySelectorAll('#ladder .seg-label.collides').length,
    overlaps,
    rows: Number(svg.getAttribute('data-rows')),
    firstRow: Number(svg.getAttribute('data-first-row')),
    spaceHeight: (document.querySelector('#ladder .ladder-space') as HTMLElement).offsetHeight,
  };
}

/**
 * In the page: a segment in the ladder's view whose label is hidden (it collides), and a point
 * on its arrow where it is the topmost segment; the ladder is scrolled into the page's view.
 */
function pointOnHiddenLabelSegment() {
  const ladder = document.getElementById('ladder')!;
  ladder.scrollIntoView({ block: 'center' });
  const view = ladder.getBoundingClientRect();
  for (const g of Array.from(ladder.querySelectorAll('.segment'))) {
    if (!g.querySelector('.seg-label.collides')) continue;
    const line = g.querySelector('line.hit')!;
    const [x1, y1, x2, y2] = ['x1', 'y1', 'x2', 'y2'].map((a) => Number(line.getAttribute(a)));
    const ctm = (line as SVGLineElement).getScreenCTM()!;
    for (const f of [0.2, 0.3, 0.7, 0.8]) {
      const p = new DOMPoint(x1 + (x2 - x1) * f, y1 + (y2 - y1) * f).matrixTransform(ctm);
      if (p.x < view.left || p.x > view.right || p.y < view.top + 30 || p.y > view.bottom - 5) continue;
      if (document.elementFromPoint(p.x, p.y)?.closest('.segment') === g)
        return { id: Number(g.getAttribute('data-id')), x: p.x, y: p.y };
    }
  }
  return null;
}

const scrollLadder = (page: Page, fraction: number) =>
  page.evaluate((f) => {
    const el = document.getElementById('ladder')!;
    el.scrollTop = (el.scrollHeight - el.clientHeight) * f;
  }, fraction);

/**
 * In the page: true once the drawn ladder window depicts the moment after `count` stream events
 * (its SVG's data-count) and covers every row the ladder's current scroll position shows. The
 * ladder is placed at most 10×/s and redrawn in the frame after a scroll, so reading it right
 * after the last event arrived or right after a scroll may still see the previous window.
 */
function ladderDrawnForView(count: number) {
  const el = document.getElementById('ladder')!;
  const svg = el.querySelector('.ladder-body');
  if (!svg || Number(svg.getAttribute('data-count')) !== count) return false;
  // ladder.js: a lane header of 26 px, then rows of 26 px starting 10 px down.
  const [head, top, row] = [26, 10, 26];
  const rows = Number(svg.getAttribute('data-rows'));
  const firstSeen = Math.max(0, Math.floor((el.scrollTop - head - top) / row));
  const lastSeen = Math.min(rows - 1, Math.floor((el.scrollTop + el.clientHeight - head - top) / row));
  return (
    Number(svg.getAttribute('data-first-row')) <= firstSeen &&
    Number(svg.getAttribute('data-last-row')) >= lastSeen
  );
}

/** Waits until the ladder shows the whole run (every stream event) for its scroll position. */
const ladderSettled = (page: Page, inspector: Inspector, what: string) =>
  until(() => page.evaluate(ladderDrawnForView, inspector.events.length), 5_000, what);

describe('the inspector as a debugger (Chromium)', () => {
  it('draws only the ladder rows in view; labels never overprint; the selection lies on top', async () => {
    const page = await openPage(lossy);
    const total = sends().length + trace().filter((e) => e.kind === 'duplicate').length;
    await ladderSettled(page, lossy, 'the ladder drawn at the end of the run');
    const atEnd = await page.evaluate(drawnLadder);
    // Hundreds of segments over hundreds of rows: a window of a few dozen rows is in the DOM,
    // not the whole run.
    expect(total).toBeGreaterThan(200);
    expect(atEnd.ids.length).toBeGreaterThan(0);
    expect(atEnd.ids.length).toBeLessThan(total / 4);
    expect(atEnd.rows).toBeGreaterThan(200);
    expect(atEnd.spaceHeight).toBeGreaterThanOrEqual(atEnd.rows * 26);
    expect(atEnd.overlaps).toEqual([]);
    // Scrolled to the middle: other rows, still no overprinting.
    await scrollLadder(page, 0.5);
    await ladderSettled(page, lossy, 'the middle rows drawn');
    const middle = await page.evaluate(drawnLadder);
    expect(middle.firstRow).toBeGreaterThan(100);
    expect(middle.ids.some((id) => !atEnd.ids.includes(id))).toBe(true);
    expect(middle.overlaps).toEqual([]);
    expect(middle.hidden).toBeGreaterThan(0);
    // A hidden label shows while its segment is hovered: a point on its arrow that is its own.
    const target = await page.evaluate(pointOnHiddenLabelSegment);
    expect(target).not.toBeNull();
    const { id, x, y } = target!;
    const label = page.locator(`#ladder .segment[data-id="${id}"] .seg-label`);
    // Not drawn at all (display: none: a hidden label costs no layout) until its segment is hovered.
    expect(await label.evaluate((t) => getComputedStyle(t).display)).toBe('none');
    await page.mouse.move(x, y);
    await until(
      async () => (await label.evaluate((t) => getComputedStyle(t).display)) !== 'none',
      5_000,
      'the label on hover',
    );
    // Clicking selects: the selected segment is painted last (on top), its label shown, the rest dimmed.
    await page.mouse.click(x, y);
    await page.waitForSelector(`#ladder .segment.selected[data-id="${id}"]`);
    const order = await page.evaluate(() => {
      const all = Array.from(document.querySelectorAll('#ladder .ladder-body .segment'));
      const last = all[all.length - 1];
      const other = all.find((g) => !g.classList.contains('selected'))!;
      return {
        lastId: Number(last.getAttribute('data-id')),
        labelHidden: last.querySelector('.seg-label')!.classList.contains('collides'),
        otherOpacity: getComputedStyle(other).opacity,
      };
    });
    expect(order).toEqual({ lastId: id, labelHidden: false, otherOpacity: '0.35' });
    expect((await page.evaluate(drawnLadder)).overlaps).toEqual([]);
    await page.screenshot({ path: screenshotPath('debugger-ladder-middle-selected') });
  });

  it('a redraw keeps the elements of rows still in view; a tooltip is made on first hover', async () => {
    const page = await openPage(lossy);
    await ladderSettled(page, lossy, 'the ladder drawn at the end of the run');
    await scrollLadder(page, 0.5);
    await ladderSettled(page, lossy, 'the middle rows drawn');
    // Tag every drawn segment, scroll two rows down, and count the tagged ones still in the page:
    // recreating the window (innerHTML) would leave none.
    const before = await page.evaluate(() => {
      const segs = Array.from(document.querySelectorAll('#ladder .ladder-body .segment'));
      for (const g of segs) (g as unknown as { __kept: boolean }).__kept = true;
      (window as unknown as { __tagged: Element[] }).__tagged = segs;
      const svg = document.querySelector('#ladder .ladder-body')!;
      document.getElementById('ladder')!.scrollTop += 52;
      return { n: segs.length, first: Number(svg.getAttribute('data-first-row')) };
    });
    await until(
      () =>
        page.evaluate(
          (first) =>
            Number(document.querySelector('#ladder .ladder-body')!.getAttribute('data-first-row')) > first,
          before.first,
        ),
      5_000,
      'the window moved down',
    );
    const after = await page.evaluate(() => {
      const tagged = (window as unknown as { __tagged: Element[] }).__tagged;
      const drawn = Array.from(document.querySelectorAll('#ladder .ladder-body .segment'));
      return {
        kept: tagged.filter((g) => g.isConnected).length,
        reused: drawn.filter((g) => (g as unknown as { __kept?: boolean }).__kept).length,
        drawn: drawn.length,
      };
    });
    expect(before.n).toBeGreaterThan(10);
    // Two rows' worth of segments leave at the top; the rest are the same nodes.
    expect(after.kept).toBeGreaterThan(before.n / 2);
    expect(after.reused).toBe(after.kept);
    // No <title> in the window until the segment is hovered (one element fewer to parse and style
    // per segment); hovering makes it from data-tip.
    const seg = page.locator('#ladder .ladder-body .segment:not(.dropped)').nth(3);
    expect(await seg.locator('title').count()).toBe(0);
    await seg.locator('line.arrow').dispatchEvent('pointerover');
    await until(async () => (await seg.locator('title').count()) === 1, 5_000, 'the tooltip on hover');
    expect(await seg.locator('title').textContent()).toBe(await seg.getAttribute('data-tip'));
  });

  it('filters the ladder by retransmissions, drops, flags and connection', async () => {
    const page = await openPage(lossy);
    const all = sends();
    const resends = all.filter(isResend).map((e) => e.id);
    const drops = trace().flatMap((e) => (e.kind === 'drop' && 'id' in e && e.id ? [e.id as number] : []));
    const keptIds = () =>
      page.evaluate(() =>
        (
          window as unknown as { __synack: { layout: { segs: { s: { id: number } }[] } } }
        ).__synack.layout.segs.map((g) => g.s.id),
      );
    await page.check('#filter-retx');
    await until(async () => (await keptIds()).length === resends.length, 5_000, 'retransmissions only');
    expect((await keptIds()).sort((a, b) => a - b)).toEqual([...resends].sort((a, b) => a - b));
    const drawn = await page.evaluate(drawnLadder);
    expect(drawn.classes.length).toBeGreaterThan(0);
    expect(drawn.classes.every((c) => c.includes('retransmit'))).toBe(true);
    // Only the rows those segments touch: far fewer than the run's instants.
    expect(drawn.rows).toBeLessThanOrEqual(2 * resends.length);
    await page.screenshot({ path: screenshotPath('debugger-filter-retransmissions') });
    await page.uncheck('#filter-retx');
    await page.check('#filter-drops');
    await until(async () => (await keptIds()).length === drops.length, 5_000, 'drops only');
    expect((await keptIds()).sort((a, b) => a - b)).toEqual([...drops].sort((a, b) => a - b));
    expect((await page.evaluate(drawnLadder)).classes.every((c) => c.includes('dropped'))).toBe(true);
    await page.uncheck('#filter-drops');
    await page.selectOption('#filter-flags', 'SYN');
    const syns = all.filter((e) => e.seg.flags.includes('SYN')).map((e) => e.id);
    await until(async () => (await keptIds()).length === syns.length, 5_000, 'SYN only');
    expect((await page.evaluate(drawnLadder)).flags.every((f) => f.split(',').includes('SYN'))).toBe(true);
    await page.selectOption('#filter-flags', '');
    // One connection in this run: the filter offers it, and it keeps every segment.
    const options = await page.locator('#filter-conn option').allTextContents();
    expect(options).toEqual(['all (1)', 'client:40000 ⇄ server:80']);
    await page.selectOption('#filter-conn', 'client:40000 ⇄ server:80');
    await until(async () => (await keptIds()).length === all.length, 5_000, 'the connection');
  });

  it('the event list: virtualised, searchable, in step with the scrubber and the ladder', async () => {
    const page = await openPage(lossy);
    const events = trace();
    const rowsInDom = await page.locator('#events .ev').count();
    expect(rowsInDom).toBeGreaterThan(5);
    expect(rowsInDom).toBeLessThan(events.length / 10);
    expect(await page.locator('#event-count').textContent()).toBe(`${events.length} events`);
    // Live at the end: the last event's row is the current one, and in view.
    const current = page.locator('#events .ev.current');
    expect(await current.getAttribute('data-trace')).toBe(String(events.length - 1));
    expect(await current.isVisible()).toBe(true);
    // Search: every retransmission, in order.
    const resends = events.flatMap((e, i) =>
      e.kind === 'send' && isResend(e as Send) ? [{ k: i + 1, id: (e as Send).id }] : [],
    );
    await page.fill('#event-search', 'retransmission');
    await until(
      async () =>
        (await page.locator('#event-count').textContent()) ===
        `${resends.length} of ${events.length} events match`,
      5_000,
      'the search count',
    );
    await page.$eval('#events', (el) => {
      el.scrollTop = 0;
    });
    await page.waitForSelector(`#events .ev[data-trace="${resends[0].k - 1}"]`);
    const found = await page
      .locator('#events .ev')
      .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-trace'))));
    expect(found.slice(0, 3)).toEqual(resends.slice(0, 3).map((r) => r.k - 1));
    // Click the third: the scrubber goes to the moment after it, the ladder selects and shows it.
    const third = resends[2];
    await page.click(`#events .ev[data-trace="${third.k - 1}"]`);
    await page.waitForSelector(`body[data-cursor="${third.k}"]`);
    expect(await page.$eval('#scrub', (el) => (el as HTMLInputElement).value)).toBe(String(third.k));
    const selected = page.locator(`#ladder .segment.selected[data-id="${third.id}"]`);
    await selected.waitFor();
    expect(await selected.isVisible()).toBe(true);
    expect(await page.locator('#events .ev.current').getAttribute('data-trace')).toBe(String(third.k - 1));
    // The selected segment's send row is marked in the list too.
    expect(await page.locator('#events .ev.selected').getAttribute('data-trace')).toBe(String(third.k - 1));
    // The scrubber moves the list: Back shows the previous moment, whose last event is the current row.
    await page.fill('#event-search', '');
    await page.click('#back');
    await page.waitForSelector(`body[data-cursor="${third.k - 1}"]`);
    await until(
      async () =>
        (await page.locator('#events .ev.current').getAttribute('data-trace')) === String(third.k - 2),
      5_000,
      'the list following the scrubber',
    );
    expect(await page.locator('#events .ev.current').isVisible()).toBe(true);
    await sleep(100);
    await page.screenshot({ path: screenshotPath('debugger-event-list') });
  });

  it('chart edges and ladder state tags are clickable: every time an edge fired, and a jump there', async () => {
    const run = await inspectSimulation(synFlood, { speed: 1_000_000, hold: 0 });
    await run.result;
    try {
      const page = await openPage(run.inspector, { width: 1600, height: 1000 });
      const events = run.inspector.events as StreamEvent[];
      const traceIdx = events.flatMap((e, i) => (e.kind === 'inspect' ? [] : [i]));
      // The server's half-open children: one LISTEN → SYN_RECEIVED per accepted SYN.
      type State = { kind: 'state'; endpoint: string; conn: string; from: string; to: string; role?: string };
      const opened = events.flatMap((e, i) => {
        const s = e as unknown as State;
        return s.kind === 'state' &&
          s.role !== 'listener' &&
          s.endpoint === 'server' &&
          s.to === 'SYN_RECEIVED'
          ? [{ index: i, k: traceIdx.indexOf(i) + 1, conn: s.conn, from: s.from }]
          : [];
      });
      expect(opened.length).toBeGreaterThan(3);
      const edge = `${opened[0].from}->SYN_RECEIVED`;
      const server = page.locator('.endpoint[data-endpoint="server"]');
      await server.locator(`.statechart .edge-label[data-edge="${edge}"]`).click();
      const firings = server.locator('.firings');
      await until(
        async () => (await firings.getAttribute('data-count')) === String(opened.length),
        5_000,
        'the list',
      );
      expect(await firings.textContent()).toContain(`fired ${opened.length} times`);
      // At the end of the run, the jump goes to the first firing (none is later).
      await page.waitForSelector(`body[data-cursor="${opened[0].k}"]`);
      expect(await server.locator('.statechart').getAttribute('data-conn')).toBe(opened[0].conn);
      // A firing in the list goes there: the moment and the connection.
      await firings.locator(`[data-goto-step="${opened[2].index}"]`).click();
      await page.waitForSelector(`body[data-cursor="${opened[2].k}"]`);
      await until(
        async () => (await server.locator('.statechart').getAttribute('data-conn')) === opened[2].conn,
        5_000,
        'the third connection shown',
      );
      expect(await server.locator('.statechart').getAttribute('data-state')).toBe('SYN_RECEIVED');
      // Keyboard: Enter on the focused edge label jumps to the next firing after the moment shown.
      await server.locator(`.statechart .edge-label[data-edge="${edge}"]`).focus();
      await page.keyboard.press('Enter');
      await page.waitForSelector(`body[data-cursor="${opened[3].k}"]`);
      await page.screenshot({ path: screenshotPath('debugger-edge-firings') });
      // A ladder state tag: the moment after that transition, and the firings of its edge.
      await page.click('#live');
      const tag = page.locator('#ladder .state-tag').first();
      const [endpoint, state, conn] = await Promise.all(
        ['data-endpoint', 'data-state', 'data-conn'].map((a) => tag.getAttribute(a)),
      );
      const index = Number(await tag.getAttribute('data-index'));
      await tag.click();
      await page.waitForSelector(`body[data-cursor="${traceIdx.indexOf(index) + 1}"]`);
      const tagFirings = page.locator(`.endpoint[data-endpoint="${endpoint}"] .firings`);
      await until(
        async () => ((await tagFirings.getAttribute('data-edge')) ?? '').endsWith(`->${state}`),
        5_000,
        'the tag edge firings',
      );
      expect(await tagFirings.locator(`[data-goto-step="${index}"]`).textContent()).toContain(conn);
      expect(
        await page.locator(`.endpoint[data-endpoint="${endpoint}"] .statechart`).getAttribute('data-conn'),
      ).toBe(conn);
    } finally {
      await closePages();
      await run.inspector.close();
    }
  });

  it("actions without a state change appear in the panel: TIME_WAIT's re-ACK and 2MSL restart", async () => {
    const run = await inspectSimulation(lostFinalAck, { speed: 1_000_000, hold: 0 });
    await run.result;
    try {
      const page = await openPage(run.inspector, { width: 1600, height: 1000 });
      const trace = (run.inspector.events as StreamEvent[]).filter((e) => e.kind !== 'inspect');
      type Send = { kind: 'send'; from: string; id: number; state?: string; seg: { flags: string[] } };
      // The client's second ACK from TIME_WAIT answers the retransmitted FIN.
      const reAcks = trace.flatMap((e, i) => {
        const s = e as unknown as Send;
        return s.kind === 'send' && s.from === 'client' && s.state === 'TIME_WAIT'
          ? [{ k: i + 1, id: s.id }]
          : [];
      });
      expect(reAcks).toHaveLength(2);
      await page.$eval(
        '#scrub',
        (el, k) => {
          (el as HTMLInputElement).value = String(k);
          el.dispatchEvent(new Event('input', { bubbles: true }));
        },
        reAcks[1].k,
      );
      await page.waitForSelector(`body[data-cursor="${reAcks[1].k}"]`);
      const actions = page.locator('.endpoint[data-endpoint="client"] .actions');
      await until(
        async () => ((await actions.textContent()) ?? '').includes('2MSL timer restarted'),
        5_000,
        'actions',
      );
      const text = (await actions.textContent()) ?? '';
      expect(text).toContain('without a state change');
      // The first ACK went with the move into TIME_WAIT; the second, the re-ACK, changed nothing.
      expect(text).toContain(`sent 1 segment (last #${reAcks[1].id} ACK`);
      // The link selects the re-ACK on the ladder.
      await actions.locator(`[data-select-seg="${reAcks[1].id}"]`).click();
      await page.waitForSelector(`#ladder .segment.selected[data-id="${reAcks[1].id}"]`);
      expect(
        await page.locator('.endpoint[data-endpoint="client"] .statechart').getAttribute('data-state'),
      ).toBe('TIME_WAIT');
      await page.screenshot({ path: screenshotPath('debugger-time-wait-actions') });
    } finally {
      await closePages();
      await run.inspector.close();
    }
  });

  it('at 1280×720 every text renders at ≥ 11 px; one chart gets the room; chart toggles hide edges and states', async () => {
    const page = await openPage(lossy);
    expect(await page.evaluate(() => document.body.dataset.layout)).toBe('compact');
    const displayed = (endpoint: string) =>
      page.evaluate(
        (ep) =>
          getComputedStyle(document.querySelector(`.endpoint[data-endpoint="${ep}"] .chart-wrap`)!)
            .display !== 'none',
        endpoint,
      );
    // One chart at a time: the client's; the server's folds (its state, timers and cause stay).
    expect(await displayed('client')).toBe(true);
    expect(await displayed('server')).toBe(false);
    expect(await page.locator('.endpoint[data-endpoint="server"] .last-cause').textContent()).toContain(
      'last transition',
    );
    await sleep(300);
    const report = await page.evaluate(smallestTexts);
    expect(report.count).toBeGreaterThan(200);
    expect(report.tooSmall, 'texts under 11 px on screen').toEqual([]);
    await page.screenshot({ path: screenshotPath('debugger-1280x720-compact') });
    // "show chart" on the server swaps the room.
    await page.click('.endpoint[data-endpoint="server"] .chart-toggle');
    await until(async () => await displayed('server'), 5_000, 'the server chart');
    expect(await displayed('client')).toBe(false);
    await page.click('.endpoint[data-endpoint="client"] .chart-toggle');
    await until(async () => await displayed('client'), 5_000, 'the client chart');
    // Hide abort/reset/timeout edges: ABORT's arrow (from `open`) and the RST arrows go.
    const client = page.locator('.endpoint[data-endpoint="client"]');
    const shownEdges = () =>
      client
        .locator('.statechart .edge')
        .evaluateAll((gs) =>
          gs.filter((g) => getComputedStyle(g).display !== 'none').map((g) => g.getAttribute('data-edge')),
        );
    const before = await shownEdges();
    expect(before).toContain('open->CLOSED');
    await client.locator('.hide-exceptional').check();
    const after = await shownEdges();
    expect(after).not.toContain('open->CLOSED');
    expect(after).not.toContain('synchronized->CLOSED');
    expect(after).toContain('SYN_SENT->ESTABLISHED');
    expect(after).toContain('TIME_WAIT->CLOSED');
    // Visited + next only: the client's path (and CLOSED), nothing it never went through.
    const visited = new Set(['CLOSED']);
    for (const e of trace())
      if (e.kind === 'state' && (e as unknown as { endpoint: string }).endpoint === 'client')
        visited.add((e as unknown as { to: string }).to);
    await client.locator('.visited-only').check();
    const shownStates = () =>
      client
        .locator('.statechart .state')
        .evaluateAll((gs) => [
          ...new Set(
            gs.filter((g) => getComputedStyle(g).display !== 'none').map((g) => g.getAttribute('data-state')),
          ),
        ]);
    await until(async () => (await shownStates()).length === visited.size, 5_000, 'visited states only');
    expect((await shownStates()).sort()).toEqual([...visited].sort());
    expect(visited.has('LISTEN')).toBe(false);
    await page.screenshot({ path: screenshotPath('debugger-chart-visited-only') });
    await client.locator('.visited-only').uncheck();
    await until(async () => (await shownStates()).length === 11, 5_000, 'every state again');
  });
});

/** In the page: the on-screen font size of every rendered text, and those under 11 px. */
function smallestTexts() {
  const tooSmall: string[] = [];
  let count = 0;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || !node.textContent?.trim() || el.closest('option, title, script, style')) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || el.getClientRects().length === 0) continue;
    const scale = el instanceof SVGGraphicsElement ? (el.getScreenCTM()?.a ?? 1) : 1;
    const px = Number.parseFloat(style.fontSize) * scale;
    count++;
    if (px < 11 - 0.01) tooSmall.push(`${px.toFixed(1)} px: ${node.textContent.trim().slice(0, 40)}`);
  }
  return { count, tooSmall: [...new Set(tooSmall)] };
}
