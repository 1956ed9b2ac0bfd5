// The web front door in a real browser (headless Chromium): the teletype page on an ordinary line,
// a long paste, "My bill" against `npm run bills`, the operator's console, and a non-operator
// refused. Screenshots of every page go to test/.results/web/.
// names the page functions use in the browser (this project's TypeScript has no DOM types)
declare const document: any, window: any, DataTransfer: any, ClipboardEvent: any; // eslint-disable-line @typescript-eslint/no-explicit-any
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { removeDir, spawnServer, type ServerProcess } from '../e2e/spawn.ts';
import { addUser, billsJson, launch, newPage, paper, shot, waitPaper, type Chromium } from './browser.ts';

let chrome: Chromium;
let server: ServerProcess;
let base: string;
let dir: string;
const errors: string[] = [];
const contexts: BrowserContext[] = [];

async function context(width = 1000, height = 760): Promise<BrowserContext> {
  const ctx = await chrome.browser.newContext({ viewport: { width, height } });
  contexts.push(ctx);
  return ctx;
}

/** A real paste into the teletype: a ClipboardEvent on xterm's textarea, as Ctrl-V makes. */
async function paste(page: Page, text: string): Promise<void> {
  await page.evaluate((t) => {
    const ta = document.querySelector('.xterm-helper-textarea');
    const dt = new DataTransfer();
    dt.setData('text/plain', t);
    ta.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  }, text);
}

/** Waits until an element matching `selector` contains `text`. */
async function see(page: Page, selector: string, text: string, ms = 10_000): Promise<void> {
  try {
    await page.locator(selector, { hasText: text }).first().waitFor({ timeout: ms });
  } catch {
    const got = await page.locator(selector).allTextContents().catch(() => []);
    throw new Error(`${selector} never contained "${text}"; it holds: ${JSON.stringify(got).slice(0, 2000)}`);
  }
}

/** Logs in on the web's login page by keyboard alone. */
async function webLogin(page: Page, name: string, password: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.focus('#name');
  await page.keyboard.type(name);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
}

async function openTeletype(ctx: BrowserContext): Promise<Page> {
  const page = await newPage(ctx, errors);
  await page.goto(`${base}/`);
  await waitPaper(page, 'USER NAME--');
  return page;
}

beforeAll(async () => {
  chrome = await launch();
  dir = mkdtempSync(join(tmpdir(), 'timeshare-web-'));
  await addUser(dir, 'OP', 'operator1', true);
  server = await spawnServer([], dir);
  base = server.url.replace(/^ws/, 'http');
}, 60_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await chrome?.close();
  await server?.stop();
  if (dir) removeDir(dir);
});

describe('the web teletype', () => {
  test('registers, logs in, types a BASIC program, runs it and reads the output', async () => {
    const page = await openTeletype(await context());
    // lower case typed, upper case sent (the teletype's default)
    await page.keyboard.type('alice\r');
    await waitPaper(page, 'NEW USER ALICE.');
    await page.keyboard.type('secret1\r');
    await waitPaper(page, 'TYPE IT AGAIN.');
    await page.keyboard.type('secret1\r');
    await waitPaper(page, 'WELCOME, ALICE. FIRST LOGIN.');
    await page.keyboard.type('new squares\r');
    await waitPaper(page, 'NEW BASIC PROGRAM SQUARES.');
    await page.keyboard.type('10 for i = 1 to 5\r20 print i; i*i\r30 next i\r40 end\rrun\r');
    await waitPaper(page, /TIME: \d+\.\d\d SECS\.\s+READY\./);
    const text = await paper(page);
    expect(text).toMatch(/RUN\n 1 +1 \n 2 +4 \n 3 +9 \n 4 +16 \n 5 +25 \nTIME/);
    await see(page, '#status', 'ONLINE');
    await see(page, '#status', 'LINE ');
    await shot(page, 'teletype-run');
    // Ctrl-C stops a running program
    await page.keyboard.type('new loop\r10 goto 10\r20 end\rrun\r');
    await page.waitForTimeout(300);
    await page.keyboard.press('Control+C');
    await waitPaper(page, /STOPPED\.\s+TIME: [\d.]+ SECS\.\s+READY\./);
    await page.keyboard.type('bye\r');
    await waitPaper(page, 'ALICE LOGGED OFF');
    await waitPaper(page, '*** HUNG UP');
    await see(page, '#status', 'HUNG UP');
  });

  test('a pasted 500-line program arrives whole and LISTs back in order', { timeout: 90_000 }, async () => {
    const page = await openTeletype(await context());
    await page.keyboard.type('bob\rpass1\rpass1\r');
    await waitPaper(page, 'WELCOME, BOB.');
    await page.keyboard.type('new big\r');
    await waitPaper(page, 'NEW BASIC PROGRAM BIG.');
    const lines = Array.from({ length: 500 }, (_, i) => (i < 499 ? `${(i + 1) * 10} PRINT "LINE ${i + 1} OF 500"` : '5000 END'));
    await paste(page, lines.join('\n') + '\n');
    await page.keyboard.type('list\r');
    await waitPaper(page, /LIST\nBIG [\s\S]*\n4990 PRINT "LINE 499 OF 500"\n5000 END\nREADY\./, 30_000);
    const text = await paper(page);
    const listed = text.slice(text.lastIndexOf('LIST\n') + 5).split('\n').filter((l) => /^\d+ (PRINT|END)/.test(l));
    expect(listed).toEqual(lines);
    await page.keyboard.type('run\r');
    await waitPaper(page, /LINE 498 OF 500\nLINE 499 OF 500\nTIME/, 30_000);
    await shot(page, 'teletype-paste-list');
    await page.keyboard.type('bye\r');
    await waitPaper(page, 'BOB LOGGED OFF');
  });

  test('the line speed chosen on the page is the server\'s line speed', async () => {
    const ctx = await context();
    const page = await openTeletype(ctx);
    await page.selectOption('#speed', '300');
    await waitPaper(page, '*** 300 BAUD FROM THE NEXT CALL.');
    await page.click('#dial'); // hang up...
    await see(page, '#status', 'HUNG UP');
    await page.click('#dial'); // ...and call again, asking for 300 baud
    await waitPaper(page, /BACK ONLINE[\s\S]*USER NAME--/);
    await see(page, '#status', '300 BAUD');
    await page.keyboard.type('dave\rpass1\rpass1\r');
    await waitPaper(page, 'WELCOME, DAVE.');
    await page.keyboard.type('speed\r');
    await waitPaper(page, 'SPEED 300 BAUD: 30 CHARACTERS A SECOND.');
    await page.keyboard.type('speed 1200\r');
    await waitPaper(page, 'SPEED 1200 BAUD: 120 CHARACTERS A SECOND.');
    await see(page, '#status', '1200 BAUD');
    await shot(page, 'teletype-speed');
    await page.keyboard.type('bye\r');
    await waitPaper(page, 'DAVE LOGGED OFF');
  });

  test('a dropped line says so on the paper and redials by itself', async () => {
    const page = await openTeletype(await context());
    await page.keyboard.type('erin\rpass1\rpass1\r');
    await waitPaper(page, 'WELCOME, ERIN.');
    // the connection breaks (not a hang-up by the system): as a network would drop it
    await page.evaluate(() => (window as { teletype: { ws: { close(code: number, why: string): void } } }).teletype.ws.close(4000, 'network trouble'));
    await waitPaper(page, /\*\*\* LINE DROPPED \d\d:\d\d:\d\d \(network trouble\); REDIALING/);
    await waitPaper(page, /\*\*\* BACK ONLINE [\s\S]*USER NAME--$/);
    await see(page, '#status', 'ONLINE');
    await shot(page, 'teletype-redial');
  });

  test('at 375 px the page fits without sideways scrolling', async () => {
    const page = await openTeletype(await context(375, 700));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const cols = await page.evaluate(() => (window as unknown as { teletype: { term: { cols: number } } }).teletype.term.cols);
    expect(cols).toBeGreaterThanOrEqual(60);
    await shot(page, 'teletype-375px');
  });
});

describe('the account pages', () => {
  test('"My bill" shows the total `npm run bills` computes, to the micro-dollar', async () => {
    const ctx = await context();
    const page = await newPage(ctx, errors);
    await webLogin(page, 'alice', 'SECRET1'); // the teletype typed it in upper case
    expect(new URL(page.url()).pathname).toBe('/bill');
    await page.locator('#bill-exact').waitFor();
    const shown = Number(await page.locator('#bill-total').getAttribute('data-micros'));
    const exact = await page.locator('#bill-exact').textContent();
    const cli = await billsJson(dir, 'ALICE');
    expect(cli.users).toHaveLength(1);
    expect(shown).toBe(cli.users[0].total);
    expect(shown).toBeGreaterThan(0);
    expect(exact).toBe(`${Math.floor(shown / 1e6)}.${String(shown % 1e6).padStart(6, '0')}`);
    // the page's parts: charts, charges by rate, the job list with both runs, downloads
    expect(await page.locator('svg.chart').count()).toBe(2);
    await see(page, 'section[aria-labelledby="rate-h"] table', 'CPU TIME');
    await see(page, 'section[aria-labelledby="jobs-h"] table', 'SQUARES');
    await see(page, 'section[aria-labelledby="jobs-h"] table', 'LOOP');
    const dl = (await page.evaluate(async () => (await fetch('/api/bill.json')).json())) as { users: { total: number }[] };
    expect(dl.users[0].total).toBe(shown);
    // no console link for a non-operator, and the console itself refused
    expect(await page.locator('header nav a').allTextContents()).toEqual(['Teletype', 'My bill']);
    await shot(page, 'bill');
    await page.setViewportSize({ width: 375, height: 760 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await shot(page, 'bill-375px');
    const res = await page.goto(`${base}/console`);
    expect(res!.status()).toBe(403);
    await shot(page, 'console-refused');
    const post = await page.evaluate(async () => (await fetch('/api/console/broadcast', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"text":"HI"}' })).status);
    expect(post).toBe(403);
  });

  // two browsers, a teletype and a console: 30 s was not enough on a host at load 22
  test('an operator sees a line in the console and broadcasts to it', { timeout: 90_000 }, async () => {
    // ALICE on a web teletype
    const tty = await openTeletype(await context());
    await tty.keyboard.type('alice\rsecret1\r');
    await waitPaper(tty, 'READY.');
    // the operator's console, in another browser
    const opCtx = await context(1100, 900);
    const op = await newPage(opCtx, errors);
    await webLogin(op, 'op', 'operator1');
    expect(await op.locator('header nav a').allTextContents()).toEqual(['Teletype', 'My bill', 'Console']);
    await op.goto(`${base}/console`);
    const row = op.locator('#lines tbody tr', { hasText: 'ALICE' });
    await row.waitFor({ timeout: 10_000 });
    await op.waitForFunction(() => /\d\.\d\d/.test(document.getElementById('fig-load')?.textContent ?? ''));
    await op.focus('#broadcast-text');
    await op.keyboard.type('SYSTEM GOES DOWN AT NOON');
    await op.keyboard.press('Enter');
    await see(op, '#console-status', 'SENT TO');
    await waitPaper(tty, '*** FROM OPERATOR OP: SYSTEM GOES DOWN AT NOON');
    await see(op, '#actions', 'BROADCAST');
    await see(op, '#actions', 'OP');
    await op.waitForTimeout(1200); // a second live sample on the chart
    await shot(op, 'console');
    await op.setViewportSize({ width: 375, height: 900 });
    await shot(op, 'console-375px');
    await shot(tty, 'teletype-broadcast');
  });

  test('no page logged an error in the browser', () => {
    // the refused console page and action are 403s on purpose
    expect(errors.filter((e) => !/status of 403/.test(e))).toEqual([]);
  });
});
