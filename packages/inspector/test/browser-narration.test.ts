/// <reference lib="dom" />
/**
 * End to end through the `synack` binary (packages/cli must be built) in headless Chromium:
 * `synack inspect --trace` opens a trace recorded by `synack run`, narrated beside the ladder
 * (English), and `synack replay --inspect` opens a real kernel capture edited to break a rule,
 * narrated in Chinese with the broken rule in the narration, the ladder and the event list.
 * Scrubbing, clicking a segment and clicking a narration line all move the page together.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { launchBrowser, PACKAGE_DIR, screenshotPath, until } from './helpers.js';

const SYNACK = join(PACKAGE_DIR, '../cli/dist/bin.js');
const CAPTURES = join(PACKAGE_DIR, '../cli/test/fixtures/replay');
const tmp = mkdtempSync(join(tmpdir(), 'synack-narration-'));

let browser: Promise<Browser> | undefined;
const servers: ChildProcess[] = [];
const pages: Page[] = [];
const pageErrors: string[] = [];
afterEach(async () => {
  await Promise.all(pages.splice(0).map((p) => p.close()));
  for (const server of servers.splice(0)) server.kill('SIGTERM');
  expect(pageErrors.splice(0)).toEqual([]);
});
afterAll(async () => {
  await (await browser?.catch(() => undefined))?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Starts `synack ARGS` (which serves until killed) and resolves with the URL it prints. */
function serve(args: string[]): Promise<string> {
  const child = spawn(process.execPath, [SYNACK, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  servers.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk;
      const m = /^inspector: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(out);
      if (m) resolve(m[1]);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk;
    });
    child.on('exit', (code) => reject(new Error(`synack ${args.join(' ')} exited ${code}: ${err}`)));
  });
}

async function open(url: string): Promise<Page> {
  browser ??= launchBrowser();
  const page = await (await browser).newPage({ viewport: { width: 1600, height: 1200 } });
  pages.push(page);
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto(url);
  await page.waitForSelector('body[data-run="done"][data-connected="true"]');
  return page;
}

const narration = (page: Page) => page.locator('#narration li .n-text').allTextContents();
const current = (page: Page) => page.locator('#narration li.current .n-text').textContent();
const body = (page: Page, key: string) => page.evaluate((k) => document.body.dataset[k] ?? '', key);

describe('narration beside the ladder (Chromium, through the synack binary)', () => {
  it('inspect --trace: a recorded run narrated in English, following the scrubber; a click on a line moves there', async () => {
    const trace = join(tmp, 'lost-final-ack.jsonl');
    writeFileSync(
      trace,
      execFileSync(process.execPath, [SYNACK, 'run', 'lost-final-ack', '--format', 'jsonl', '--seed', '3']),
    );
    const page = await open(await serve(['inspect', '--trace', trace]));
    await page.waitForSelector('#narration:not([hidden]) li.current');
    const all = await narration(page);
    expect(all[0]).toMatch(/^1st handshake: client sends a SYN/);
    expect(all.some((line) => /retransmits its FIN/.test(line))).toBe(true);
    // The narration sits beside the ladder, not under it.
    const [ladder, aside] = await Promise.all([
      page.locator('#ladder').boundingBox(),
      page.locator('#narration').boundingBox(),
    ]);
    expect(aside!.x).toBeGreaterThan(ladder!.x + ladder!.width - 1);
    expect(Math.abs(aside!.y - ladder!.y)).toBeLessThan(5);

    // Scrub to just after the 2nd handshake line: the narration stops there too.
    const total = Number(await body(page, 'trace'));
    await page.locator('#narration li', { hasText: '2nd handshake' }).click();
    await until(async () => /^2nd handshake/.test((await current(page)) ?? ''), 5_000, 'cursor on line 2');
    const k = Number(await body(page, 'cursor'));
    expect(k).toBeGreaterThan(0);
    expect(k).toBeLessThan(total);
    expect(await body(page, 'mode')).toBe('replay');
    const shown = await narration(page);
    expect(shown.length).toBeLessThan(all.length);
    expect(shown.at(-1)).toMatch(/^2nd handshake/);
    // Back one more event with the scrubber and forward with →: the panel follows.
    await page.$eval(
      '#scrub',
      (el, v) => {
        (el as HTMLInputElement).value = String(v);
        el.dispatchEvent(new Event('input', { bubbles: true }));
      },
      k - 1,
    );
    await until(async () => (await narration(page)).length === shown.length - 1, 5_000, 'one line less');
    // Clicking a segment selects it; the narration stays on the moment shown.
    await page.locator('.ladder .segment[data-flags="SYN"]').first().click();
    await page.waitForSelector('.ladder .segment.selected[data-flags="SYN"]');
    expect((await narration(page)).length).toBe(shown.length - 1);
    await page.click('#live');
    await until(async () => (await narration(page)).length === all.length, 5_000, 'all lines when live');
    await page.screenshot({ path: screenshotPath('narration-trace'), fullPage: true });
  });

  it('replay --inspect --lang zh: the kernel capture edited to break a rule, its mark narrated in Chinese', async () => {
    const page = await open(
      await serve(['replay', join(CAPTURES, 'early-fin-rto.pcap'), '--inspect', '--lang', 'zh']),
    );
    await page.waitForSelector('#narration:not([hidden]) li.current');
    // The done-when of issue 20 on the page: the client ends in TIME_WAIT, the server went
    // through LAST_ACK (where it retransmitted its FIN) to CLOSED.
    const stateOf = (ep: string) =>
      page.evaluate(
        (id) =>
          document
            .querySelector(`.endpoint[data-endpoint="${id}"] .statechart .state.current`)
            ?.getAttribute('data-state') ?? null,
        ep,
      );
    await until(async () => (await stateOf('127.0.0.1:40000')) === 'TIME_WAIT', 5_000, 'client TIME_WAIT');
    expect(await stateOf('127.0.0.1:8080')).toBe('CLOSED');
    // The server's path, as its panel writes it (the statechart's own labels aside).
    expect(await page.locator('.endpoint[data-endpoint="127.0.0.1:8080"] .history').textContent()).toMatch(
      /CLOSE_WAIT @[\d.]+ ms → LAST_ACK @[\d.]+ ms → CLOSED @/,
    );
    const lines = await narration(page);
    expect(lines[0]).toMatch(/^第一次握手：127\.0\.0\.1:40000发送 SYN/);
    const marks = lines.filter((l) => l.startsWith('✗'));
    expect(marks).toEqual([
      '✗ 模型在 LAST_ACK 状态下不会发送这个报文段：rto-early（retransmitted 20.0 ms after the last copy; the RTO is at least 200 ms）',
    ]);
    expect(await page.locator('#narration ol').getAttribute('lang')).toBe('zh-CN');
    // The mark's line leads to the moment the marked FIN was sent; clicking that segment selects it.
    await page.locator('#narration li', { hasText: '✗' }).click();
    await until(async () => ((await current(page)) ?? '').startsWith('✗'), 5_000, 'cursor on the mark');
    const marked = page.locator('.ladder .segment.divergence');
    await until(async () => (await marked.count()) === 1, 5_000, 'the marked FIN drawn');
    await marked.click();
    await page.waitForSelector('.ladder .segment.selected.divergence');
    expect(await page.locator('#selection').textContent()).toContain('rto-early');
    // The event list says it too.
    await page.fill('#event-search', 'rto-early');
    await until(
      async () =>
        (await page.locator('#events .ev').allTextContents()).some((t) => t.includes('✗ rto-early')),
      5_000,
      'the marked send in the event list',
    );
    await page.screenshot({ path: screenshotPath('narration-replay-zh'), fullPage: true });
  });
});
