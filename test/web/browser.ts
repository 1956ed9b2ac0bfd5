// Headless Chromium for the web tests: Debian's `chromium` (.ci/run installs it), driven by
// playwright-core. A missing browser is a failure, never a skip: these tests are the web's proof.
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execFile } from 'node:child_process';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from '../e2e/spawn.ts';

// names the page functions use in the browser (this project's TypeScript has no DOM types)
declare const window: any; // eslint-disable-line @typescript-eslint/no-explicit-any

export const CHROMIUM = '/usr/bin/chromium';
/** Screenshots of every page the tests visit (look at them). */
export const SHOTS = resolve(ROOT, 'test/.results/web');

export interface Chromium {
  browser: Browser;
  close(): Promise<void>;
}

export async function launch(): Promise<Chromium> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does it)`);
  // launch() gives Chromium a fresh --user-data-dir of its own (a new temporary profile, removed
  // on close), so no run sees another's cookies or cache
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}

/** A page that records the browser's console errors and uncaught exceptions. */
export async function newPage(ctx: BrowserContext, errors: string[]): Promise<Page> {
  const page = await ctx.newPage();
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return page;
}

export async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Everything on the web teletype's paper. */
export function paper(page: Page): Promise<string> {
  return page.evaluate(() => (window as unknown as { teletype: { paper(): string } }).teletype.paper());
}

/** Waits until the paper holds `text` (a string, or a RegExp source with flags). */
export async function waitPaper(page: Page, text: string | RegExp, ms = 15_000): Promise<void> {
  const pat = typeof text === 'string' ? { s: text } : { r: text.source, f: text.flags };
  try {
    await page.waitForFunction((p) => {
      const t = (window as unknown as { teletype?: { paper(): string } }).teletype?.paper() ?? '';
      return p.s !== undefined ? t.includes(p.s) : new RegExp(p.r!, p.f).test(t);
    }, pat, { timeout: ms, polling: 50 });
  } catch {
    throw new Error(`the paper never showed ${String(text)}; it holds:\n${await paper(page).catch(() => '?')}`);
  }
}

/** `npm run admin -- user add NAME [--operator]` with the password on stdin. */
export function addUser(dir: string, name: string, password: string, operator = false): Promise<void> {
  return new Promise((res, rej) => {
    const child = execFile(process.execPath, ['--import', 'tsx', 'server/admin.ts', 'user', 'add', name, ...(operator ? ['--operator'] : []), '--data', dir],
      { cwd: ROOT }, (err, _out, stderr) => (err ? rej(new Error(`admin failed: ${stderr}`)) : res()));
    child.stdin!.end(`${password}\n`);
  });
}

/** `npm run bills -- --data DIR --user NAME --format json`, parsed. */
export function billsJson(dir: string, user: string): Promise<{ total: number; users: { user: string; total: number }[] }> {
  return new Promise((res, rej) => {
    execFile(process.execPath, ['--import', 'tsx', 'server/bills.ts', '--data', dir, '--user', user, '--format', 'json'], { cwd: ROOT }, (err, out, stderr) =>
      err ? rej(new Error(`bills failed: ${stderr}`)) : res(JSON.parse(out)));
  });
}
