/// <reference lib="dom" />
/**
 * End to end in headless Chromium (Debian's /usr/bin/chromium via playwright-core):
 * the page connects to an in-process inspector, and the tests read what a user sees
 * from the DOM. Screenshots go to test-results/screenshots/.
 * Without Chromium these tests fail with an install hint (they are never skipped).
 */

import { readFileSync } from 'node:fs';
import { TCP_STATES } from '@synack/core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { causedBy, countForCursor, deriveModel, formatTime } from '../public/model.js';
import { type Inspector, inspectSimulation, type StreamEvent } from '../src/index.js';
import { CLIENT_PATH, lifecycle, lossyBulk, lostSyn, synFlood } from './fixtures.js';
import { launchBrowser, screenshotPath, sleep, until } from './helpers.js';

let browser: Promise<Browser> | undefined;
const inspectors: Inspector[] = [];
const pages: Page[] = [];
const pageErrors: string[] = [];

// Launched by the first test that needs it: without Chromium every test fails (with the
// install hint) instead of being skipped as a failed beforeAll would make them.
const getBrowser = () => {
  browser ??= launchBrowser();
  return browser;
};
afterAll(async () => {
  await (await browser?.catch(() => undefined))?.close();
});
afterEach(async () => {
  // Pages first: a page whose server went away keeps trying to reconnect (and logs it).
  await Promise.all(pages.splice(0).map((p) => p.close()));
  await Promise.all(inspectors.splice(0).map((i) => i.close()));
  expect(pageErrors.splice(0)).toEqual([]);
});

async function openPage(
  inspector: Inspector,
  viewport = { width: 1600, height: 1200 },
  hash = '',
): Promise<Page> {
  const page = await (await getBrowser()).newPage({ viewport });
  pages.push(page);
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(msg.text());
  });
  await page.goto(`${inspector.url}${hash}`);
  await page.waitForSelector('body[data-connected="true"]');
  return page;
}

const clientState = (page: Page, endpoint = 'client') =>
  page.evaluate(
    (ep) =>
      document
        .querySelector(`.endpoint[data-endpoint="${ep}"] .statechart .state.current`)
        ?.getAttribute('data-state') ?? null,
    endpoint,
  );

/** Full-page screenshot into test-results/screenshots/, once CSS transitions have settled. */
async function shot(page: Page, name: string) {
  await sleep(400);
  await page.screenshot({ path: screenshotPath(name), fullPage: true });
}

const body = (page: Page, key: string) => page.evaluate((k) => document.body.dataset[k] ?? '', key);

/** What the page should show after `k` trace events, derived independently from the server's record. */
function expectedAt(inspector: Inspector, k: number, endpoint = 'client') {
  const events = inspector.events as StreamEvent[];
  const traceIdx = events.flatMap((e, i) => (e.kind === 'inspect' ? [] : [i]));
  const model = deriveModel(
    { endpoints: lifecycleEndpoints },
    events,
    countForCursor(traceIdx, events.length, k),
  );
  const ep = model.endpointById.get(endpoint)!;
  const conn = (ep.lastActive && ep.conns.get(ep.lastActive)) || [...ep.conns.values()][0];
  return { state: conn?.state ?? null, segments: model.segmentOrder.length };
}
const lifecycleEndpoints = [
  { id: 'client', address: '10.0.0.1', profile: 'linux', timeWait: 60_000 },
  { id: 'server', address: '10.0.0.2', profile: 'linux', timeWait: 60_000 },
];

describe('the inspector page in headless Chromium', () => {
  it('draws the whole statechart and highlights a lifecycle’s states live, in order', async () => {
    const { inspector, result } = await inspectSimulation(lifecycle, {
      speed: 50,
      // Long enough for a busy machine to render every state before the next one.
      hold: 300,
      paused: true,
      scenario: { name: 'lifecycle', description: 'Whole life of a connection.' },
    });
    inspectors.push(inspector);
    const page = await openPage(inspector);
    expect(await body(page, 'run')).toBe('paused');

    // All 11 RFC states drawn (plus CLOSED's second drawing), every transition labelled.
    const drawn = await page.$$eval('.endpoint[data-endpoint="client"] .statechart .state', (els) =>
      els.map((e) => [e.getAttribute('data-state'), e.textContent]),
    );
    expect([...new Set(drawn.map(([s]) => s))].sort()).toEqual([...TCP_STATES].sort());
    expect(drawn.every(([s, text]) => s === text)).toBe(true);
    const transitions = inspector.statechart.edges.reduce((n, e) => n + e.transitions.length, 0);
    expect(await page.locator('.endpoint[data-endpoint="client"] .transition').count()).toBe(transitions);
    expect(
      await page
        .locator(
          '.endpoint[data-endpoint="client"] .edge-label[data-edge="SYN_SENT->ESTABLISHED"] .transition tspan',
        )
        .allTextContents(),
    ).toEqual(['rcv SYN,ACK / snd ACK']);

    // Record every state the page highlights (in the page: polling from here could miss a
    // short-lived one on a busy machine), then resume from the page.
    await page.evaluate(recordHighlights);
    await page.click('#resume');
    await page.waitForSelector('.endpoint[data-endpoint="client"] .state.current[data-state="TIME_WAIT"]');
    const timers = (await page.locator('.endpoint[data-endpoint="client"] .timers').textContent()) ?? '';
    await shot(page, 'lifecycle-time-wait');
    expect(timers).toMatch(/2MSL timer fires at 60\.520 s/);
    expect((await result).ok).toBe(true);
    await page.waitForSelector('body[data-run="done"]');
    await until(async () => (await clientState(page)) === 'CLOSED', 5_000, 'the client CLOSED');
    const seen = await page.evaluate(
      () => (window as unknown as { __highlights: Record<string, string[]> }).__highlights,
    );
    expect(seen.client).toEqual(CLIENT_PATH);
    expect(seen.server).toEqual(['SYN_RECEIVED', 'ESTABLISHED', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED']);
    // The transition just taken is marked (and animated), the final CLOSED is the bottom one.
    const client = page.locator('.endpoint[data-endpoint="client"] .statechart');
    expect(await client.locator('svg').getAttribute('data-taken')).toBe('TIME_WAIT->CLOSED');
    expect(await client.locator('.edge.taken').getAttribute('data-edge')).toBe('TIME_WAIT->CLOSED');
    expect(
      await client.locator('.edge.taken .edge-flow').evaluate((el) => getComputedStyle(el).animationName),
    ).toBe('flow');
    expect(await client.locator('.state.current').getAttribute('data-alias')).toBe('true');
    expect(await page.locator('.endpoint[data-endpoint="client"] .context').textContent()).toContain(
      'SND.UNA',
    );
    expect(await page.locator('.ladder .segment').count()).toBe(11);
    expect(await page.locator('.ladder .segment.dropped').count()).toBe(0);
    expect(await page.locator('#summary').textContent()).toContain(
      'final states: client: CLOSED; server: CLOSED',
    );
    await shot(page, 'lifecycle-done');
    await page.close();
  });

  it('marks the lost SYN where it died; clicking the SYN-ACK highlights the transition it caused', async () => {
    const { inspector, result } = await inspectSimulation(lostSyn, {
      speed: 100,
      hold: 0,
      scenario: { name: 'lost-syn' },
    });
    inspectors.push(inspector);
    const page = await openPage(inspector);
    await result;
    await page.waitForSelector('body[data-run="done"]');
    const dropped = page.locator('.ladder .segment.dropped');
    expect(await dropped.count()).toBe(1);
    expect(await dropped.getAttribute('data-flags')).toBe('SYN');
    expect(await dropped.locator('.cross').count()).toBe(1);
    expect(await dropped.textContent()).toContain('targeted: drop the first SYN');
    expect(await page.locator('.ladder .segment.retransmit').count()).toBe(1);

    await page.locator('.ladder .segment[data-flags="SYN,ACK"]').click();
    await page.waitForSelector('.ladder .segment.selected[data-flags="SYN,ACK"]');
    const caused = page.locator('.endpoint[data-endpoint="client"] .edge.caused');
    await caused.waitFor();
    expect(await caused.getAttribute('data-edge')).toBe('SYN_SENT->ESTABLISHED');
    expect(
      await page.locator('.endpoint[data-endpoint="client"] .transition.caused tspan').allTextContents(),
    ).toEqual(['rcv SYN,ACK / snd ACK']);
    expect(await page.locator('#selection').textContent()).toContain(
      'client 40000-10.0.0.2:80: SYN_SENT → ESTABLISHED',
    );
    await shot(page, 'lost-syn-selected');
    // Clicking the retransmitted SYN shows the server's two transitions.
    await page.locator('.ladder .segment.retransmit').click();
    // CLOSED → LISTEN on the connection too unless the listener has its own state lines.
    const listenerLines = (inspector.events as StreamEvent[]).some(
      (e) => e.kind === 'state' && (e as { role?: string }).role === 'listener',
    );
    await until(
      async () =>
        (await page.locator('.endpoint[data-endpoint="server"] .edge.caused').count()) ===
        (listenerLines ? 1 : 2),
    );
    await page.close();
  });

  it("plots the shown connection's cwnd, in-flight and ssthresh from its cc lines", async () => {
    const { inspector, result } = await inspectSimulation(lossyBulk, {
      speed: 1_000_000,
      hold: 0,
      scenario: { name: 'lossy bulk' },
    });
    inspectors.push(inspector);
    const page = await openPage(inspector);
    await result;
    await page.waitForSelector('body[data-run="done"]');
    // The sender's cc lines, counted independently from the server's record of the stream.
    const events = inspector.events as StreamEvent[];
    const firstState = events.find((e) => e.kind === 'state' && e.endpoint === 'client');
    const clientConn = firstState?.kind === 'state' ? firstState.conn : '';
    const samples = events.filter((e) => e.kind === 'cc' && e.endpoint === 'client' && e.conn === clientConn);
    expect(samples.length).toBeGreaterThan(10);
    const plot = page.locator('.endpoint[data-endpoint="client"] .cwnd-plot');
    await until(async () => (await plot.getAttribute('data-samples')) === String(samples.length));
    expect(await plot.getAttribute('data-conn')).toBe(clientConn);
    // One step line per series: every sample of cwnd and in-flight, two points each.
    for (const series of ['cwnd', 'inFlight']) {
      const points = await plot.locator(`polyline[data-series="${series}"]`).getAttribute('points');
      expect(points?.trim().split(/\s+/)).toHaveLength(2 * samples.length);
    }
    const last = samples.at(-1) as unknown as { cwnd: number; inFlight: number; state: string };
    const legend = await plot.locator('.cwnd-legend').textContent();
    expect(legend).toContain(`cwnd ${last.cwnd}`);
    expect(legend).toContain(`in flight ${last.inFlight}`);
    expect(legend).toContain(last.state);
    // The plot is drawn, not just present: the cwnd line spans a real box on the page.
    const box = await plot.locator('polyline[data-series="cwnd"]').boundingBox();
    expect(box!.width).toBeGreaterThan(100);
    await shot(page, 'cwnd-plot');
  });

  it('pause, step (one event at a time), scrub back and forth, live again', async () => {
    const { inspector, result } = await inspectSimulation(lifecycle, {
      speed: 1_000_000,
      hold: 0,
      paused: true,
    });
    inspectors.push(inspector);
    const page = await openPage(inspector);
    expect(await body(page, 'trace')).toBe('0');
    for (let k = 1; k <= 8; k++) {
      await page.click('#step');
      await page.waitForSelector(`body[data-cursor="${k}"]`);
      expect(await body(page, 'mode')).toBe('replay');
      const want = expectedAt(inspector, k);
      await until(async () => (await clientState(page)) === want.state, 3_000, `state at ${k}`);
      await until(
        async () => (await page.locator('.ladder .segment').count()) === want.segments,
        3_000,
        `ladder at ${k}`,
      );
    }
    // Paused: nothing moves.
    const trace = await body(page, 'trace');
    await sleep(400);
    expect(await body(page, 'trace')).toBe(trace);
    expect(inspector.control().paused).toBe(true);

    await page.click('#resume');
    await result;
    await page.waitForSelector('body[data-run="done"][data-mode="live"]');
    // The run state shows as soon as the server says so; the last events are drawn in the frames
    // that follow (at most 8 ms of model work a frame while live).
    await until(async () => (await clientState(page)) === 'CLOSED', 5_000, 'the client CLOSED at the end');
    const total = Number(await body(page, 'trace'));

    // Scrub to the moment the client became ESTABLISHED.
    const events = inspector.events as StreamEvent[];
    const traceEvents = events.filter((e) => e.kind !== 'inspect');
    const k =
      traceEvents.findIndex((e) => e.kind === 'state' && e.endpoint === 'client' && e.to === 'ESTABLISHED') +
      1;
    const scrub = (value: number) =>
      page.$eval(
        '#scrub',
        (el, v) => {
          (el as HTMLInputElement).value = String(v);
          el.dispatchEvent(new Event('input', { bubbles: true }));
        },
        value,
      );
    await scrub(k);
    await page.waitForSelector(`body[data-cursor="${k}"][data-mode="replay"]`);
    await until(
      async () => (await clientState(page)) === 'ESTABLISHED',
      3_000,
      'ESTABLISHED after scrubbing',
    );
    const segments = expectedAt(inspector, k).segments;
    await until(
      async () => (await page.locator('.ladder .segment').count()) === segments,
      3_000,
      'ladder at k',
    );
    expect(await page.locator('#position').textContent()).toBe(`event ${k}/${total} · replay`);
    await shot(page, 'scrubbed-to-established');
    await page.click('#back');
    await until(async () => (await clientState(page)) === 'SYN_SENT', 3_000, 'SYN_SENT one event earlier');
    await scrub(0);
    await page.waitForSelector('body[data-cursor="0"]');
    expect(await page.locator('.endpoint[data-endpoint="client"] .no-connection').isVisible()).toBe(true);
    await page.click('#live');
    await page.waitForSelector(`body[data-mode="live"][data-cursor="${total}"]`);
    expect(await clientState(page)).toBe('CLOSED');
    await page.keyboard.press('ArrowLeft');
    await page.waitForSelector(`body[data-cursor="${total - 1}"]`);
    await page.close();
  });

  it('reconnects after a reload or a dropped socket, replaying the events so far', async () => {
    const { inspector, result } = await inspectSimulation(lifecycle, { speed: 1_000_000, hold: 0 });
    inspectors.push(inspector);
    inspector.pacer.pause();
    inspector.pacer.step();
    inspector.pacer.step();
    inspector.pacer.step();
    await until(() => inspector.pacer.t === 20, 5_000, 'three instants');
    await sleep(100);
    const page = await openPage(inspector);
    const count = String(inspector.events.length);
    await page.waitForSelector(`body[data-events="${count}"]`);
    expect(await clientState(page)).toBe('ESTABLISHED');
    await page.reload();
    await page.waitForSelector(`body[data-connected="true"][data-events="${count}"]`);
    expect(await clientState(page)).toBe('ESTABLISHED');
    // The socket drops (server restart, network blip): the page reconnects by itself.
    await page.evaluate(() => (window as unknown as { __synack: { ws: WebSocket } }).__synack.ws.close());
    await page.waitForSelector(`body[data-connected="true"][data-events="${count}"]`);
    inspector.pacer.resume();
    await result;
    await page.waitForSelector('body[data-run="done"]');
    await page.waitForSelector(`body[data-events="${inspector.events.length}"]`);
    expect(await clientState(page)).toBe('CLOSED');
    expect(inspector.clients).toBe(1);
    await page.close();
  });

  it('SYN flood: per-state counts, a connection selector, host drops', async () => {
    const { inspector, result } = await inspectSimulation(synFlood, {
      speed: 1_000_000,
      hold: 0,
      scenario: { name: 'syn-flood (small)' },
    });
    inspectors.push(inspector);
    const page = await openPage(inspector);
    await result;
    await page.waitForSelector('body[data-run="done"]');
    // Go back to the moment the half-open queue overflowed.
    const traceEvents = (inspector.events as StreamEvent[]).filter((e) => e.kind !== 'inspect');
    const k = traceEvents.findIndex((e) => e.kind === 'drop' && e.reason === 'syn-queue-full') + 1;
    await page.$eval(
      '#scrub',
      (el, v) => {
        (el as HTMLInputElement).value = String(v);
        el.dispatchEvent(new Event('input', { bubbles: true }));
      },
      k,
    );
    const server = page.locator('.endpoint[data-endpoint="server"]');
    const chip = server.locator('.state-counts .count[data-state="SYN_RECEIVED"]');
    await chip.waitFor();
    const halfOpen = Number(await chip.locator('b').textContent());
    expect(halfOpen).toBeGreaterThanOrEqual(4);
    expect(await server.locator('select option').count()).toBe(halfOpen + 1);
    await chip.click();
    await until(
      async () => (await server.locator('select').inputValue()) !== '',
      3_000,
      'a pinned connection',
    );
    expect(await clientState(page, 'server')).toBe('SYN_RECEIVED');
    expect(await page.locator('.ladder .segment.dropped.host-drop').count()).toBeGreaterThan(0);
    expect(await page.locator('.endpoint[data-endpoint="attacker"] .no-connection').isVisible()).toBe(true);
    await shot(page, 'syn-flood-queue-full');
    await page.close();
  });

  it('lossy transfer at 1280×720: find the third retransmission, see why and what it caused, link to it', async () => {
    const { inspector, result } = await inspectSimulation(lossyBulk, {
      speed: 1_000_000,
      hold: 0,
      scenario: { name: 'lossy-transfer' },
    });
    inspectors.push(inspector);
    const viewport = { width: 1280, height: 720 };
    const page = await openPage(inspector, viewport);
    await result;
    await page.waitForSelector('body[data-run="done"]');
    // The third retransmission, found independently in the server's record of the stream.
    const events = inspector.events as StreamEvent[];
    const trace = events.filter((e) => e.kind !== 'inspect');
    const resends = trace.flatMap((e, i) =>
      e.kind === 'send' && (e.retransmit || 'cause' in e) ? [{ k: i + 1, id: e.id }] : [],
    );
    expect(resends.length).toBeGreaterThanOrEqual(3);
    const third = resends[2];
    // From the start of the run, three presses of R (next retransmission).
    await page.click('#back');
    await page.$eval('#scrub', (el) => {
      (el as HTMLInputElement).value = '0';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await page.waitForSelector('body[data-cursor="0"]');
    await page.focus('body');
    for (const r of resends.slice(0, 3)) {
      await page.keyboard.press('r');
      await page.waitForSelector(`body[data-cursor="${r.k}"]`);
    }
    // Why: the selection names the segment it resends and the cause.
    const model = deriveModel({ endpoints: [] }, events);
    const seg = model.segments.get(third.id)!;
    expect(seg.retransmitOf).not.toBeNull();
    const reason = page.locator('#selection .retransmit-reason');
    await until(async () =>
      ((await reason.textContent()) ?? '').includes(`retransmission of #${seg.retransmitOf}`),
    );
    const causeWords = { rto: 'RTO', fast: 'fast retransmit', tlp: 'tail loss probe' }[seg.cause!];
    expect(await reason.textContent()).toContain(causeWords);
    expect(await page.locator('#selection').textContent()).toContain(`#${third.id} `);
    // What it caused at the receiver (or that it died on the way): at the send it is in flight;
    // the selection offers the moment it arrives.
    const fate = seg.drop ?? { t: seg.deliveredAt };
    const goThere = page.locator('#selection button[data-goto-trace]');
    expect(await goThere.textContent()).toContain(formatTime(fate.t!));
    await goThere.click();
    await until(async () => Number(await body(page, 'cursor')) > third.k, 5_000, 'the arrival moment');
    await page.locator('#selection button[data-goto-trace]').waitFor({ state: 'detached' });
    if (seg.deliveredAt !== null && !seg.drop) {
      await page.locator('#selection .caused-list').waitFor();
      const caused = causedBy(model, third.id);
      const list = page.locator('#selection .caused-list');
      if (caused.length)
        for (const c of caused) expect(await list.textContent()).toContain(`${c.from} → ${c.to}`);
      else expect(await list.textContent()).toContain('no state change');
    } else {
      expect(await page.locator('#selection').textContent()).toMatch(/dropped|in flight/);
    }
    // The selected segment is drawn and scrolled into the ladder's view.
    const drawn = page.locator(`.ladder .segment.selected[data-id="${third.id}"]`);
    await drawn.waitFor();
    expect(await drawn.isVisible()).toBe(true);
    await shot(page, 'lossy-third-retransmission-1280x720');
    // The link to that moment: the URL hash holds it; a second page opened on it restores it.
    await page.focus('body');
    await page.keyboard.press('Shift+R');
    await page.keyboard.press('r');
    await page.waitForSelector(`body[data-cursor="${third.k}"]`);
    // The hash is written at most every 250 ms (replaceState is slow): wait for it.
    await until(async () => {
      const written = await page.evaluate(() => location.hash);
      return written.includes(`event=${third.k}`) && written.includes(`seg=${third.id}`);
    });
    const hash = await page.evaluate(() => location.hash);
    expect(hash).toContain(`event=${third.k}`);
    expect(hash).toContain(`seg=${third.id}`);
    const shared = await openPage(inspector, viewport, hash);
    await shared.waitForSelector(`body[data-cursor="${third.k}"]`);
    await until(async () =>
      ((await shared.locator('#selection').textContent()) ?? '').includes(`#${third.id} `),
    );
    expect(await shared.locator('#selection .retransmit-reason').textContent()).toContain(
      `retransmission of #${seg.retransmitOf}`,
    );
    // "select #N" follows the link to the original segment; Shift+R goes back to the previous one.
    await shared.click('#selection button[data-select-seg]');
    await until(async () =>
      ((await shared.evaluate(() => location.hash)) ?? '').includes(`seg=${seg.retransmitOf}`),
    );
    await shared.focus('body');
    await shared.keyboard.press('Shift+R');
    await shared.waitForSelector(`body[data-cursor="${resends[1].k}"]`);
    await until(async () => (await shared.evaluate(() => location.hash)).includes(`seg=${resends[1].id}`));
    await shared.close();
    await page.close();
  });

  it('a deep link to an instant (#t=…) opens the moment after the last event at or before it', async () => {
    const { inspector, result } = await inspectSimulation(lifecycle, { speed: 1_000_000, hold: 0 });
    inspectors.push(inspector);
    await result;
    const trace = (inspector.events as StreamEvent[]).filter((e) => e.kind !== 'inspect');
    const t = 100;
    const k = trace.filter((e) => e.t <= t).length;
    expect(k).toBeGreaterThan(0);
    expect(k).toBeLessThan(trace.length);
    const page = await openPage(inspector, undefined, `#t=${t}`);
    await page.waitForSelector(`body[data-cursor="${k}"]`);
    expect(await body(page, 'mode')).toBe('replay');
    await until(async () => (await clientState(page)) === expectedAt(inspector, k).state);
    await page.close();
  });

  it('status counts network drops, host drops and deliveries apart (SYN flood)', async () => {
    const { inspector, result } = await inspectSimulation(synFlood, { speed: 1_000_000, hold: 0 });
    inspectors.push(inspector);
    const page = await openPage(inspector);
    await result;
    await page.waitForSelector('body[data-run="done"]');
    const events = inspector.events as StreamEvent[];
    const count = (pred: (e: StreamEvent) => boolean) => events.filter(pred).length;
    const hostDrops = count((e) => e.kind === 'drop' && !e.id);
    const netDrops = count((e) => e.kind === 'drop' && Boolean(e.id));
    const delivered = count((e) => e.kind === 'deliver') - hostDrops;
    expect(hostDrops).toBeGreaterThan(0);
    const status = (await page.locator('#status').textContent()) ?? '';
    expect(status).toContain(`${delivered} delivered`);
    expect(status).toContain(`${netDrops} lost in the network`);
    expect(status).toContain(`${hostDrops} dropped by the receiving host`);
    await page.close();
  });

  it('keyboard: a segment takes focus and Enter selects it; scrubber and status speak; selected on top', async () => {
    const { inspector, result } = await inspectSimulation(lifecycle, { speed: 1_000_000, hold: 0 });
    inspectors.push(inspector);
    const page = await openPage(inspector);
    await result;
    await page.waitForSelector('body[data-run="done"]');
    expect(await page.getAttribute('#status', 'aria-live')).toBe('polite');
    const total = Number(await body(page, 'trace'));
    expect(await page.getAttribute('#scrub', 'aria-valuetext')).toMatch(
      new RegExp(`^event ${total} of ${total}, t = .+, live$`),
    );
    // The third segment: reached by keyboard focus, selected with Enter.
    const target = page.locator('.ladder .segment').nth(2);
    const id = await target.getAttribute('data-id');
    expect(await target.getAttribute('tabindex')).toBe('0');
    expect(await target.getAttribute('aria-label')).toContain(`#${id} `);
    await target.focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector(`.ladder .segment.selected[data-id="${id}"]`);
    expect(await page.locator('#selection').textContent()).toContain(`#${id} `);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-id'))).toBe(id);
    // Drawn last (on top of its neighbours), the others dimmed.
    const lastDrawn = await page.evaluate(
      () =>
        Array.from(document.querySelectorAll('.ladder-body .segment')).at(-1)?.getAttribute('data-id') ??
        null,
    );
    expect(lastDrawn).toBe(id);
    const opacity = await page
      .locator('.ladder .segment:not(.selected)')
      .first()
      .evaluate((g) => getComputedStyle(g).opacity);
    expect(Number(opacity)).toBeLessThan(1);
    // Enter again deselects; the scrubber's text follows a step back.
    await page.keyboard.press('Enter');
    await page.waitForSelector('.ladder .segment.selected', { state: 'detached' });
    await page.click('#back');
    await page.waitForSelector(`body[data-cursor="${total - 1}"]`);
    expect(await page.getAttribute('#scrub', 'aria-valuetext')).toMatch(
      new RegExp(`^event ${total - 1} of ${total}, t = `),
    );
    await shot(page, 'keyboard-selected-segment');
    await page.close();
  });

  it('exports the ladder and a chart as SVG and PNG, and the trace as JSONL', async () => {
    const { inspector, result } = await inspectSimulation(lifecycle, {
      speed: 1_000_000,
      hold: 0,
      scenario: { name: 'lifecycle' },
    });
    inspectors.push(inspector);
    const page = await openPage(inspector);
    await result;
    await page.waitForSelector('body[data-run="done"]');
    const fetchDownload = async (selector: string) => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
      const path = await download.path();
      return { name: download.suggestedFilename(), bytes: readFileSync(path!) };
    };
    const total = Number(await body(page, 'trace'));
    // Ladder SVG: stands alone (styles inlined), one group per segment drawn.
    const ladder = await fetchDownload('[data-export="ladder"][data-format="svg"]');
    expect(ladder.name).toBe(`synack-lifecycle-ladder-event${total}.svg`);
    const svg = ladder.bytes.toString('utf8');
    expect(svg.startsWith('<?xml')).toBe(true);
    const segments = await page.locator('.ladder-body .segment').count();
    expect(svg.match(/<g class="segment/g)?.length).toBe(segments);
    expect(svg).toMatch(/<line class="arrow"[^>]* stroke="rgb\(/);
    expect(svg).not.toContain('tabindex');
    expect(svg.match(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g)).toHaveLength(1);
    // PNG of the client's chart: a real PNG of the chart's size.
    const png = await fetchDownload(
      '.endpoint[data-endpoint="client"] [data-export="chart"][data-format="png"]',
    );
    expect(png.name).toBe(`synack-lifecycle-client-chart-event${total}.png`);
    expect(png.bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.bytes.readUInt32BE(16)).toBeGreaterThan(200);
    expect(png.bytes.readUInt32BE(20)).toBeGreaterThan(200);
    const chart = await fetchDownload(
      '.endpoint[data-endpoint="server"] [data-export="chart"][data-format="svg"]',
    );
    expect(chart.bytes.toString('utf8')).toContain('ESTABLISHED');
    // The trace: every trace event, in order, one JSON line each.
    const trace = await fetchDownload('[data-export="trace"]');
    const lines = trace.bytes
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const expected = (inspector.events as StreamEvent[]).filter((e) => e.kind !== 'inspect');
    expect(lines).toEqual(JSON.parse(JSON.stringify(expected)));
    await page.close();
  });

  it("each panel's last transition names its cause; the link selects that segment", async () => {
    const { inspector, result } = await inspectSimulation(lifecycle, { speed: 1_000_000, hold: 0 });
    inspectors.push(inspector);
    const page = await openPage(inspector);
    await result;
    await page.waitForSelector('body[data-run="done"]');
    // At the end the client left TIME_WAIT on its 2MSL timer.
    const client = page.locator('.endpoint[data-endpoint="client"] .last-cause');
    await until(async () => ((await client.textContent()) ?? '').includes('TIME_WAIT → CLOSED'));
    expect(await client.textContent()).toContain('2MSL timer');
    // The server's LAST_ACK → CLOSED was taken by the client's last ACK: its link selects it.
    const server = page.locator('.endpoint[data-endpoint="server"] .last-cause');
    expect(await server.textContent()).toContain('LAST_ACK → CLOSED');
    const model = deriveModel({ endpoints: [] }, inspector.events as StreamEvent[]);
    const lastAck = [...model.segments.values()].filter((s) => s.from === 'client').at(-1)!;
    const link = server.locator('button[data-select-seg]');
    expect(await link.getAttribute('data-select-seg')).toBe(String(lastAck.id));
    await link.click();
    await page.waitForSelector(`.ladder .segment.selected[data-id="${lastAck.id}"]`);
    expect(await page.locator('#selection .caused-list').textContent()).toContain('LAST_ACK → CLOSED');
    await shot(page, 'last-transition-cause');
    await page.close();
  });

  it('survives hostile requests from the browser: traversal, garbage and oversized messages', async () => {
    const { inspector, result } = await inspectSimulation(lostSyn, { speed: 5, hold: 0 });
    inspectors.push(inspector);
    const page = await openPage(inspector);
    const report = await page.evaluate(async () => {
      const statuses: number[] = [];
      for (const path of ['/%2e%2e/package.json', '/public/..%2f..%2fpackage.json', '/src/server.ts']) {
        statuses.push((await fetch(path)).status);
      }
      const ws = new WebSocket(`ws://${location.host}/ws`);
      await new Promise((r) => ws.addEventListener('open', r));
      const errors: string[] = [];
      ws.addEventListener('message', (m) => {
        const msg = JSON.parse(m.data);
        if (msg.type === 'error') errors.push(msg.message);
      });
      ws.send('{"type":');
      ws.send('{"type":"speed","speed":"ludicrous"}');
      await new Promise((r) => setTimeout(r, 200));
      const closed = new Promise<number>((r) => ws.addEventListener('close', (e) => r(e.code)));
      ws.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(70_000) }));
      return { statuses, errors, code: await closed };
    });
    expect(report.statuses).toEqual([404, 404, 404]);
    expect(report.errors).toEqual(['malformed message: not JSON', 'speed must be a number in (0, 1000000]']);
    expect(report.code).toBe(1009);
    expect((await result).ok).toBe(true);
    await page.waitForSelector('body[data-run="done"][data-connected="true"]');
    expect(await clientState(page)).toBe('ESTABLISHED');
    pageErrors.length = 0; // the browser logs the refused fetches as console errors
    await page.close();
  });

  for (const viewport of [
    { width: 1280, height: 720 },
    { width: 1600, height: 900 },
  ]) {
    const size = `${viewport.width}x${viewport.height}`;
    it(`draws the statechart legibly at the default zoom on ${size}: text ≥ 11 px, inside its boxes`, async () => {
      const { inspector, result } = await inspectSimulation(lifecycle, { speed: 1_000_000, hold: 0 });
      inspectors.push(inspector);
      const page = await openPage(inspector, viewport);
      await result;
      await page.waitForSelector('body[data-run="done"]');
      await sleep(400);
      const report = await page.evaluate(measureStatechart, 'client');
      // The bar of the debugger issue: 11 px on screen for state names and transition labels.
      expect(report.smallest.state, 'state names').toBeGreaterThanOrEqual(11);
      expect(report.smallest.label, 'transition labels').toBeGreaterThanOrEqual(11);
      expect(report.smallest.container, 'container names').toBeGreaterThanOrEqual(11);
      expect(report.counts).toEqual({
        state: 12,
        label: inspector.statechart.edges.flatMap((e) => e.transitions).length,
        container: 2,
      });
      // The layout's text metrics hold in the real font: every text stays inside its box.
      expect(report.overflowing).toEqual([]);
      // Fit zoom: no horizontal scrolling; the current state (the bottom CLOSED) scrolled into view.
      expect(report.horizontalScroll).toBe(false);
      expect(report.currentVisible).toBe(true);
      await page.screenshot({ path: screenshotPath(`statechart-${size}`) });
      await page.close();
    });
  }
});

/** In the page: records, per endpoint, every state its statechart highlights, in order. */
function recordHighlights() {
  const seen: Record<string, string[]> = {};
  (window as unknown as { __highlights: typeof seen }).__highlights = seen;
  new MutationObserver(() => {
    for (const g of Array.from(document.querySelectorAll('.endpoint .statechart .state.current'))) {
      const endpoint = g.closest('.endpoint')?.getAttribute('data-endpoint') ?? '?';
      const state = g.getAttribute('data-state') ?? '';
      seen[endpoint] ??= [];
      if (seen[endpoint].at(-1) !== state) seen[endpoint].push(state);
    }
  }).observe(document.body, { attributes: true, subtree: true, attributeFilter: ['class'] });
}

/** In the page: on-screen font sizes of the statechart's texts, and texts overflowing their boxes. */
function measureStatechart(endpoint: string) {
  const panel = document.querySelector(`.endpoint[data-endpoint="${endpoint}"]`)!;
  const wrap = panel.querySelector('.chart-wrap')!;
  const onScreen = (text: SVGTextElement) =>
    Number.parseFloat(getComputedStyle(text).fontSize) * (text.getScreenCTM()?.a ?? 0);
  const groups = {
    state: Array.from(panel.querySelectorAll<SVGTextElement>('.state text')),
    label: Array.from(panel.querySelectorAll<SVGTextElement>('.edge-label .transition')),
    container: Array.from(panel.querySelectorAll<SVGTextElement>('.compound-name')),
  };
  const smallest = Object.fromEntries(
    Object.entries(groups).map(([k, texts]) => [k, Math.min(...texts.map(onScreen))]),
  ) as Record<keyof typeof groups, number>;
  const counts = Object.fromEntries(Object.entries(groups).map(([k, texts]) => [k, texts.length]));
  const overflowing: string[] = [];
  const within = (a: DOMRect, b: DOMRect) =>
    a.left >= b.left - 0.5 && a.right <= b.right + 0.5 && a.top >= b.top - 0.5 && a.bottom <= b.bottom + 0.5;
  for (const text of [...groups.state, ...groups.label, ...groups.container]) {
    const box = text.closest('g')!.querySelector('rect')!;
    if (!within(text.getBoundingClientRect(), box.getBoundingClientRect()))
      overflowing.push(text.textContent ?? '');
  }
  const current = panel.querySelector('.state.current')!.getBoundingClientRect();
  const view = wrap.getBoundingClientRect();
  return {
    smallest,
    counts,
    overflowing,
    horizontalScroll: wrap.scrollWidth > wrap.clientWidth,
    currentVisible: current.top >= view.top && current.bottom <= view.bottom,
  };
}
