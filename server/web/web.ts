// The web front door, on the lines' own port: the browser teletype at `/` (a page whose script
// opens an ordinary WebSocket line: the same wire and session code as every terminal), the account
// pages (log in, "My bill") and the operator's console. The front end hands it every plain HTTP
// request; WebSocket upgrades never come here.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Accountant } from '../accounting/accountant.ts';
import { userName } from '../frontend/names.ts';
import { verifyPassword } from '../frontend/password.ts';
import { MAX_PASSWORD } from '../frontend/login.ts';
import type { Account } from '../store/store.ts';
import { Assets } from './assets.ts';
import { BillService } from './bill.ts';
import { OperatorConsole, type ConsoleHost } from './console.ts';
import { HttpError, clientAddress, cookies, isSecure, json, readFields, redirect, sameOrigin, securityHeaders, send, type ProxyPolicy } from './http.ts';
import { billPage, consolePage, errorPage, loginPage, notBuiltPage, teletypePage, type Viewer } from './pages.ts';
import { COOKIE, WebSessions, clearCookie, sessionCookie } from './sessions.ts';

export interface WebHost extends ConsoleHost {
  web: ((req: IncomingMessage, res: ServerResponse) => void) | null;
}

export interface WebOptions extends ProxyPolicy {
  accountant: Accountant;
  log: Logger;
  /** where the built browser files are (tests and benchmarks may point elsewhere) */
  assetDir?: string;
}

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  account: Account | null;
  viewer: Viewer | null;
}

const PAGE_ASSETS = ['pages.css', 'teletype.js', 'teletype-style.css', 'bill.js', 'console.js'];

export class WebApp {
  readonly sessions = new WebSessions();
  readonly assets: Assets;
  readonly bills: BillService;
  readonly console: OperatorConsole;
  private log: Logger;

  constructor(
    private sys: WebHost,
    private opts: WebOptions,
  ) {
    this.log = opts.log.child({ room: 'web' });
    this.assets = new Assets(opts.assetDir);
    if (!this.assets.has(...PAGE_ASSETS)) this.log.warn({ dir: this.assets.dir }, 'web pages not built: run npm run build:web (npm ci does)');
    this.bills = new BillService(opts.accountant);
    this.console = new OperatorConsole(sys, opts.accountant, this.log);
  }

  /** Serves plain HTTP on the front end's port from now on. */
  attach(): this {
    this.sys.web = (req, res) => void this.handle(req, res);
    return this;
  }

  close(): void {
    this.console.close();
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    securityHeaders(res);
    let ctx: Ctx | null = null;
    try {
      const url = new URL(req.url ?? '/', 'http://host.invalid');
      ctx = { req, res, url, account: null, viewer: null };
      const token = cookies(req).get(COOKIE);
      const ws = this.sessions.get(token);
      if (ws) {
        const account = await this.sys.store.accounts.get(ws.user);
        if (account) {
          ctx.account = account;
          ctx.viewer = { user: account.name, operator: account.operator };
        } else this.sessions.end(token);
      }
      await this.route(ctx);
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const status = err instanceof HttpError ? err.status : 500;
      if (status === 500) this.log.error({ err, url: req.url }, 'web request failed');
      const message = err instanceof HttpError ? err.message : 'The server could not answer that.';
      if (status === 413) res.setHeader('Connection', 'close');
      if (ctx?.url.pathname.startsWith('/api/') || req.headers.accept?.includes('application/json')) json(res, status, { error: message });
      else this.page(res, status, errorPage(this.assets, ctx?.viewer ?? null, status, message));
    }
  }

  private page(res: ServerResponse, status: number, html: string, extra: Record<string, string> = {}): void {
    send(res, status, 'text/html; charset=utf-8', html, extra);
  }

  private async route(c: Ctx): Promise<void> {
    const { req, res, url } = c;
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const get = method === 'GET' || method === 'HEAD';

    if (path.startsWith('/assets/') && get) return this.asset(c, path.slice('/assets/'.length));
    if (method === 'POST') {
      // Every state change: from our own pages only (SameSite=Strict is the second lock).
      if (!sameOrigin(req, this.opts)) throw new HttpError(403, 'Cross-origin request refused.');
    } else if (!get) {
      res.setHeader('Allow', 'GET, HEAD, POST');
      throw new HttpError(405, 'Method not allowed.');
    }
    if (get && PAGE_PATHS.has(path) && !this.assets.has(...PAGE_ASSETS)) return this.page(res, 503, notBuiltPage());

    // operator routes first: one check for all of them
    if (path === '/console' || path.startsWith('/api/console')) return this.operator(c, method, path);

    switch (`${get ? 'GET' : method} ${path}`) {
      case 'GET /':
        return this.page(res, 200, teletypePage(this.assets, c.viewer));
      case 'GET /login':
        return this.page(res, 200, loginPage(this.assets, c.viewer, null, '', safeNext(url.searchParams.get('next'))));
      case 'POST /login':
        return this.login(c);
      case 'POST /logout': {
        this.sessions.end(cookies(req).get(COOKIE));
        if (c.viewer) this.log.info({ user: c.viewer.user }, 'web logout');
        res.setHeader('Set-Cookie', clearCookie(isSecure(req, this.opts)));
        return redirect(res, '/login');
      }
      case 'GET /bill':
        if (!c.account) return redirect(res, '/login?next=/bill');
        return this.page(res, 200, billPage(this.assets, c.viewer!));
      case 'GET /api/me':
        if (!c.viewer) throw new HttpError(401, 'Not logged in.');
        return json(res, 200, c.viewer);
      case 'GET /api/bill':
        return send(res, 200, 'application/json; charset=utf-8', await this.bills.dataJson(this.me(c), this.bills.month(url.searchParams.get('month'))));
      case 'GET /api/bill.txt': {
        const m = this.bills.month(url.searchParams.get('month'));
        return send(res, 200, 'text/plain; charset=utf-8', await this.bills.text(this.me(c), m), download(`bill-${m}.txt`));
      }
      case 'GET /api/bill.json': {
        const m = this.bills.month(url.searchParams.get('month'));
        return send(res, 200, 'application/json; charset=utf-8', await this.bills.invoice(this.me(c), m, 'json'), download(`bill-${m}.json`));
      }
      case 'GET /api/bill.csv': {
        const m = this.bills.month(url.searchParams.get('month'));
        return send(res, 200, 'text/csv; charset=utf-8', await this.bills.invoice(this.me(c), m, 'csv'), download(`bill-${m}.csv`));
      }
      case 'GET /api/jobs.csv': {
        const m = this.bills.month(url.searchParams.get('month'));
        return send(res, 200, 'text/csv; charset=utf-8', await this.bills.jobsCsv(this.me(c), m), download(`jobs-${m}.csv`));
      }
      default:
        throw new HttpError(404, 'No such page.');
    }
  }

  /** The logged-in account, or 401. */
  private me(c: Ctx): Account {
    if (!c.account) throw new HttpError(401, 'Not logged in.');
    return c.account;
  }

  private async operator(c: Ctx, method: string, path: string): Promise<void> {
    const { res, url } = c;
    if (!c.viewer?.operator) {
      if (c.viewer) this.log.warn({ user: c.viewer.user, path }, 'operator route refused');
      throw new HttpError(403, 'Operators only.');
    }
    const by = c.viewer.user;
    if (method === 'GET' || method === 'HEAD') {
      switch (path) {
        case '/console':
          return this.page(res, 200, consolePage(this.assets, c.viewer));
        case '/api/console':
          return json(res, 200, { sample: await this.console.sample(), ledger: await this.console.ledgerish(), actions: this.console.actions });
        case '/api/console/events':
          return this.console.stream(res);
      }
      throw new HttpError(404, 'No such page.');
    }
    const f = await readFields(c.req);
    let message: string;
    switch (path) {
      case '/api/console/broadcast': message = this.console.broadcast(by, f.text ?? ''); break;
      case '/api/console/hangup': message = this.console.hangup(by, (f.line ?? '').trim()); break;
      case '/api/console/kill': message = this.console.kill(by, (f.job ?? '').trim()); break;
      case '/api/console/budget': message = await this.console.budget(by, f.user ?? '', f.budget ?? ''); break;
      default:
        throw new HttpError(404, 'No such action.');
    }
    void url;
    return json(res, 200, { ok: true, message });
  }

  private async login(c: Ctx): Promise<void> {
    const { req, res } = c;
    const f = await readFields(req);
    const next = safeNext(f.next);
    const rawName = (f.name ?? '').trim();
    const password = f.password ?? '';
    const address = clientAddress(req, this.opts);
    const u = userName(rawName);
    const name = 'error' in u ? rawName.toUpperCase().slice(0, 16) : u.name;
    const account = 'error' in u || password.length > MAX_PASSWORD ? null : await this.sys.store.accounts.get(u.name);
    const known = account !== null;
    const refuse = (status: number, message: string) => this.page(res, status, loginPage(this.assets, c.viewer, message, name, next));
    // The teletype's throttle, the same object and keys (throttle.ts): decided before hashing, so
    // guesses spread over the web and the lines slow down together.
    const v = this.sys.throttle.attempt(address, name, known);
    if (!v.ok) {
      if (v.report) this.log.warn({ user: known ? name : undefined, address, why: v.why, retryMs: v.retryMs, refused: v.report.refused }, 'web login refused: too many attempts');
      res.setHeader('Retry-After', String(Math.ceil(v.retryMs / 1000)));
      return refuse(429, `Too many login attempts ${v.why === 'account' ? 'for this name' : 'from your address'}. Try again in ${Math.ceil(v.retryMs / 1000)} seconds.`);
    }
    if (v.waitMs > 0) await new Promise((r) => setTimeout(r, v.waitMs));
    if (req.socket.destroyed) return; // gone while waiting: nothing is hashed
    // as at the teletype: an unknown name costs the same scrypt as a known one
    const hash = account?.password ?? (await this.sys.dummyHash());
    const ok = await this.sys.hashGate.run(() => verifyPassword(password, hash), () => !req.socket.destroyed);
    if (ok === null) return refuse(503, 'The system is busy. Try again in a moment.');
    if (ok && account) {
      this.sys.throttle.succeeded(name);
      const token = this.sessions.create(account.name);
      this.log.info({ user: account.name, address, operator: account.operator }, 'web login');
      // start reading this month's bill now: the page will ask for it in a moment
      void this.opts.accountant.runningStatement(account.name).catch((err) => this.log.warn({ err }, 'bill preload failed'));
      res.setHeader('Set-Cookie', sessionCookie(token, isSecure(req, this.opts)));
      return redirect(res, next);
    }
    const fromAddress = this.sys.throttle.failed(address, name, known);
    this.log.warn({ user: known ? name : undefined, address, addressFailures: fromAddress }, 'web login failed');
    refuse(401, 'Incorrect user name or password.');
  }

  private asset(c: Ctx, name: string): void {
    const { req, res } = c;
    const a = this.assets.files.get(name);
    if (!a) throw new HttpError(404, 'No such file.');
    const etag = `"${a.hash}"`;
    const headers: Record<string, string> = {
      'Content-Type': a.type, ETag: etag, Vary: 'Accept-Encoding',
      // pages link each file with its hash, so a changed file has a new URL
      'Cache-Control': c.url.searchParams.get('v') === a.hash ? 'public, max-age=31536000, immutable' : 'no-cache',
    };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers).end();
      return;
    }
    const gz = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gz ? a.gzip : a.body;
    if (gz) headers['Content-Encoding'] = 'gzip';
    headers['Content-Length'] = String(body.length);
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}

const PAGE_PATHS = new Set(['/', '/login', '/bill', '/console']);

/** Where to go after logging in: only a path on this site (never //evil or https://evil). */
export function safeNext(raw: string | null | undefined): string {
  return raw && /^\/(?![/\\])[\w\-/.?=&%]*$/.test(raw) ? raw : '/bill';
}

function download(name: string): Record<string, string> {
  return { 'Content-Disposition': `attachment; filename="${name}"` };
}

export function attachWeb(sys: WebHost, opts: WebOptions): WebApp {
  return new WebApp(sys, opts).attach();
}
