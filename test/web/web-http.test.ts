// The web front door over plain HTTP: security headers, the login and its throttle shared with the
// teletype, cookies, the Origin check, body limits, answers scoped to their user (ids changed in
// URLs), operator routes refused to everyone else, the operator's actions, and the teletype's
// page weight. A real server process; terminals are real ws clients.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { login, Term } from '../frontend/client.ts';
import { removeDir, spawnServer, type ServerProcess } from '../e2e/spawn.ts';
import { addUser } from './browser.ts';
import { cookieOf, http, type Reply } from './http.ts';

let server: ServerProcess;
let base: string;
let origin: string;
let dir: string;
const terms: Term[] = [];
/** first failed-login delay; the teletype doubles it per failure */
const FAIL_MS = 100;

const form = (o: Record<string, string>) => new URLSearchParams(o).toString();
const FORM = 'application/x-www-form-urlencoded';

async function webLogin(name: string, password: string, headers: Record<string, string> = {}): Promise<Reply> {
  return http(base, 'POST', '/login', { headers: { Origin: origin, 'Content-Type': FORM, ...headers }, body: form({ name, password }) });
}

async function cookieFor(name: string, password: string): Promise<string> {
  const r = await webLogin(name, password);
  expect(r.status).toBe(303);
  return cookieOf(r);
}

const get = (path: string, cookie?: string, headers: Record<string, string> = {}) => http(base, 'GET', path, { headers: { ...(cookie ? { Cookie: cookie } : {}), ...headers } });
const post = (path: string, cookie: string | undefined, body: object, headers: Record<string, string> = {}) =>
  http(base, 'POST', path, { headers: { Origin: origin, 'Content-Type': 'application/json', ...(cookie ? { Cookie: cookie } : {}), ...headers }, body: JSON.stringify(body) });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'timeshare-webhttp-'));
  await addUser(dir, 'OP', 'operator1', true);
  server = await spawnServer(['--fail-delay-ms', String(FAIL_MS)], dir);
  base = server.url.replace(/^ws/, 'http');
  origin = base;
  // two users with a job each, made at the teletype
  for (const [name, prog] of [['ALICE', 'APROG'], ['BOB', 'BPROG']]) {
    const t = await login(server.url, name, `${name.toLowerCase()}pw`);
    terms.push(t);
    await t.command(`NEW ${prog}`);
    t.line('10 PRINT 1');
    t.line('20 END');
    await t.command('RUN');
  }
}, 60_000);

afterAll(async () => {
  for (const t of terms) t.close();
  await server?.stop();
  if (dir) removeDir(dir);
});

describe('headers and pages', () => {
  test('every answer carries the CSP (no inline script, no framing) and nosniff', async () => {
    const alice = await cookieFor('ALICE', 'alicepw');
    for (const [path, cookie, status] of [['/', undefined, 200], ['/login', undefined, 200], ['/bill', undefined, 303], ['/bill', alice, 200], ['/nope', undefined, 404],
      ['/api/bill', undefined, 401], ['/assets/teletype.js', undefined, 200], ['/console', alice, 403]] as const) {
      const r = await get(path, cookie);
      expect(r.status, path).toBe(status);
      const csp = String(r.headers['content-security-policy']);
      expect(csp, path).toContain("script-src 'self'");
      expect(csp.split(';').find((d) => d.trim().startsWith('script-src')), path).not.toContain('unsafe');
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(r.headers['x-content-type-options'], path).toBe('nosniff');
    }
  });

  test('the pages have no inline script and no event-handler attributes', async () => {
    const alice = await cookieFor('ALICE', 'alicepw');
    const op = await cookieFor('OP', 'operator1');
    for (const [path, c] of [['/', undefined], ['/login', undefined], ['/bill', alice], ['/console', op]] as const) {
      const html = (await get(path, c)).body;
      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
      expect(scripts.length, path).toBeGreaterThan(path === '/login' ? -1 : 0);
      for (const s of scripts) {
        expect(s[1], path).toMatch(/\bsrc="\/assets\//);
        expect(s[2].trim(), path).toBe('');
      }
      expect(html, path).not.toMatch(/\son[a-z]+=/i);
    }
  });

  test('plain HTTP and ws share the port: a ws client still gets a line', async () => {
    const t = await Term.open(server.url);
    terms.push(t);
    await t.expect('USER NAME--');
    expect((await get('/')).body).toContain('id="terminal"');
  });

  test('the teletype page weighs at most 300 KB gzipped, everything served by this server', async () => {
    const html = await get('/', undefined, { 'Accept-Encoding': 'gzip' });
    const urls = [...html.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((u) => !u.startsWith('#') && !u.startsWith('data:'));
    const assets = urls.filter((u) => u.startsWith('/assets/'));
    // nothing from anywhere else: every link is this server's
    for (const u of urls) expect(u.startsWith('/'), u).toBe(true);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    let total = Buffer.byteLength(html.body); // the HTML itself, not even compressed
    for (const a of assets) {
      const r = await get(a, undefined, { 'Accept-Encoding': 'gzip' });
      expect(r.status, a).toBe(200);
      expect(r.headers['content-encoding'], a).toBe('gzip');
      expect(gunzipSync(r.raw).length, a).toBeGreaterThan(r.raw.length);
      total += r.raw.length;
    }
    expect(total).toBeLessThanOrEqual(300 * 1024);
  });
});

describe('logging in', () => {
  test('the session cookie is HttpOnly and SameSite=Strict; logging out ends it', async () => {
    const r = await webLogin('alice', 'alicepw');
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/bill');
    const set = String(r.headers['set-cookie']);
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    expect(set).not.toMatch(/Secure/); // plain HTTP here; behind --trust-proxy and TLS it is Secure
    const cookie = cookieOf(r);
    expect((await get('/api/me', cookie)).body).toBe(JSON.stringify({ user: 'ALICE', operator: false }));
    const out = await http(base, 'POST', '/logout', { headers: { Origin: origin, Cookie: cookie } });
    expect(out.status).toBe(303);
    expect(String(out.headers['set-cookie'])).toMatch(/Max-Age=0/);
    expect((await get('/api/me', cookie)).status).toBe(401);
    expect((await get('/api/bill', cookie)).status).toBe(401);
  });

  test('a state change needs our own Origin: none, or another site, is refused', async () => {
    expect((await http(base, 'POST', '/login', { headers: { 'Content-Type': FORM }, body: form({ name: 'ALICE', password: 'alicepw' }) })).status).toBe(403);
    expect((await webLogin('ALICE', 'alicepw', { Origin: 'http://evil.example' })).status).toBe(403);
    const cookie = await cookieFor('ALICE', 'alicepw');
    const out = await http(base, 'POST', '/logout', { headers: { Origin: 'http://evil.example', Cookie: cookie } });
    expect(out.status).toBe(403);
    expect((await get('/api/me', cookie)).status).toBe(200); // still logged in
    // and no state changes on GET
    expect((await get('/logout', cookie)).status).toBe(404);
    expect((await get('/api/me', cookie)).status).toBe(200);
    expect((await http(base, 'PUT', '/login', { headers: { Origin: origin } })).status).toBe(405);
  });

  test('request bodies are size-limited', async () => {
    const big = form({ name: 'ALICE', password: 'x'.repeat(100_000) });
    const r = await http(base, 'POST', '/login', { headers: { Origin: origin, 'Content-Type': FORM }, body: big });
    expect([413, -1]).toContain(r.status);
    expect((await webLogin('ALICE', 'alicepw')).status).toBe(303); // the server is fine
  });

  test('wrong passwords are throttled by the teletype\'s throttle, which the two doors share', async () => {
    // unknown names and wrong passwords read alike
    const a = await webLogin('NOSUCH', 'whatever');
    const b = await webLogin('BOB', 'wrong');
    expect(a.status).toBe(401);
    expect(b.status).toBe(401);
    expect(a.body).toContain('Incorrect user name or password.');
    expect(b.body).toContain('Incorrect user name or password.');
    // BOB's account has failed once (above); one more on the web...
    await webLogin('BOB', 'wrong2');
    // ...so the teletype's next attempt for BOB waits for two failures first: 2 x the first delay
    const t = await Term.open(server.url);
    terms.push(t);
    await t.expect('USER NAME--');
    t.line('BOB');
    await t.expect('PASSWORD--');
    const started = Date.now();
    t.line('wrong3');
    await t.expect('INCORRECT USER NAME OR PASSWORD.');
    expect(Date.now() - started).toBeGreaterThanOrEqual(FAIL_MS * 2);
    // and the web's next waits for three (4 x), whichever door the failures came through
    const at = Date.now();
    expect((await webLogin('BOB', 'wrong4')).status).toBe(401);
    expect(Date.now() - at).toBeGreaterThanOrEqual(FAIL_MS * 4);
    // and a correct password still works (the throttle slows, it does not lock out)
    expect((await webLogin('BOB', 'bobpw')).status).toBe(303);
  });
});

describe('every answer is the logged-in user\'s own', () => {
  test('changing names and ids in URLs reaches nothing of another user\'s', async () => {
    const alice = await cookieFor('ALICE', 'alicepw');
    const mine = JSON.parse((await get('/api/bill', alice)).body);
    expect(mine.user).toBe('ALICE');
    expect(mine.jobs.map((j: { name: string }) => j.name)).toEqual(['APROG']);
    for (const path of ['/api/bill?user=BOB', '/api/bill?user=BOB&name=BOB', '/api/bill?month=' + mine.month + '&user=BOB']) {
      const r = JSON.parse((await get(path, alice)).body);
      expect(r.user, path).toBe('ALICE');
      expect(JSON.stringify(r), path).not.toContain('BPROG');
    }
    for (const path of ['/api/bill/BOB', '/api/users/BOB/bill', '/api/bill.json/BOB', '/bill/BOB', '/api/jobs/2']) {
      const r = await get(path, alice);
      expect(r.status, path).toBe(404);
      expect(r.body, path).not.toContain('BPROG');
    }
    const dl = JSON.parse((await get('/api/bill.json?user=BOB', alice)).body);
    expect(dl.users.map((u: { user: string }) => u.user)).toEqual(['ALICE']);
    const csv = (await get('/api/jobs.csv?user=BOB', alice)).body;
    expect(csv).toContain('APROG');
    expect(csv).not.toContain('BPROG');
    const txt = (await get('/api/bill.txt?user=BOB', alice)).body;
    expect(txt).toContain('STATEMENT FOR ALICE');
    expect((await get('/api/bill?month=2026-13', alice)).status).toBe(400);
    expect((await get('/api/bill?month=../../x', alice)).status).toBe(400);
    // a forged cookie is nobody
    expect((await get('/api/bill', 'timeshare_session=BOB')).status).toBe(401);
  });

  test('the web bill is BILL\'s statement, line for line', async () => {
    const alice = await cookieFor('ALICE', 'alicepw');
    const txt = (await get('/api/bill.txt', alice)).body;
    const t = terms[0];
    const typed = await t.command('BILL');
    const strip = (s: string) => s.replace(/\r/g, '').split('\n').filter((l) => !l.startsWith('PRINTED ') && !/CONNECT|TOTAL|CHARGES|^\s*$|STATEMENT|BUDGET|---/.test(l));
    // job lines and everything but the still-running connect time agree
    const jobLines = strip(txt).filter((x) => /APROG/.test(x));
    expect(jobLines).toHaveLength(1);
    expect(typed.replace(/\r/g, '')).toContain(jobLines[0]);
    expect(typed).toContain(`STATEMENT FOR ALICE`);
  });
});

describe('operator routes', () => {
  test('non-operators and strangers get 403 from every operator route, and never see its link', async () => {
    const alice = await cookieFor('ALICE', 'alicepw');
    for (const c of [alice, undefined]) {
      for (const path of ['/console', '/api/console', '/api/console/events']) expect((await get(path, c)).status, path).toBe(403);
      for (const path of ['/api/console/broadcast', '/api/console/hangup', '/api/console/kill', '/api/console/budget', '/api/console/nonsense']) {
        expect((await post(path, c, { text: 'X', line: '1', job: '1', user: 'ALICE', budget: '1' })).status, path).toBe(403);
      }
    }
    for (const path of ['/', '/bill', '/login']) expect((await get(path, alice)).body, path).not.toContain('/console');
    expect((await get('/console', alice)).body).not.toContain('href="/console"');
  });

  test('an operator\'s BROADCAST, KILL, BUDGET and HANGUP act and are logged with the operator\'s name', async () => {
    const op = await cookieFor('OP', 'operator1');
    const victim = await login(server.url, 'CAROL', 'carolpw');
    terms.push(victim);
    // live figures as server-sent events
    const sse = await new Promise<string>((resolve, reject) => {
      import('node:http').then(({ get: hget }) => {
        const req = hget(`${base}/api/console/events`, { headers: { Cookie: op } }, (res) => {
          let data = '';
          res.on('data', (c) => {
            data += c;
            if (data.includes('event: ledger')) {
              req.destroy();
              resolve(data);
            }
          });
        });
        req.on('error', reject);
      });
    });
    expect(sse).toMatch(/event: sample\ndata: \{.*"user":"CAROL"/);
    const b = await post('/api/console/broadcast', op, { text: 'TEA IS READY' });
    expect(b.status).toBe(200);
    await victim.expect('*** FROM OPERATOR OP: TEA IS READY');
    // KILL a running job
    await victim.command('NEW SPIN');
    victim.line('10 GOTO 10');
    victim.line('20 END');
    victim.line('RUN');
    let job = 0;
    for (let i = 0; i < 50 && !job; i++) {
      const c = JSON.parse((await get('/api/console', op)).body);
      job = c.sample.jobs.find((j: { owner: string }) => j.owner === 'CAROL')?.job ?? 0;
      if (!job) await new Promise((r) => setTimeout(r, 100));
    }
    expect(job).toBeGreaterThan(0);
    expect((await post('/api/console/kill', op, { job: String(job) })).status).toBe(200);
    await victim.expect(/READY\.\r\n/);
    expect((await post('/api/console/kill', op, { job: '999999' })).status).toBe(404);
    // BUDGET
    expect(JSON.parse((await post('/api/console/budget', op, { user: 'carol', budget: '12.50' })).body).message).toBe('CAROL: BUDGET $12.500000 A MONTH.');
    expect((await post('/api/console/budget', op, { user: 'carol', budget: 'lots' })).status).toBe(400);
    expect((await post('/api/console/budget', op, { user: 'nobody', budget: '1' })).status).toBe(404);
    const c = JSON.parse((await get('/api/console', op)).body);
    expect(c.ledger.budgets.find((x: { user: string }) => x.user === 'CAROL').budget).toBe(12_500_000);
    // HANGUP
    const line = c.sample.lines.find((l: { user: string }) => l.user === 'CAROL').line;
    expect((await post('/api/console/hangup', op, { line: String(line) })).status).toBe(200);
    await victim.expect('*** LINE HUNG UP BY OPERATOR OP.');
    await victim.closedWith();
    // who did what: in the console's action list and in the server's log
    const actions = JSON.parse((await get('/api/console', op)).body).actions.map((a: { by: string; action: string }) => `${a.by} ${a.action}`);
    expect(actions).toEqual(['OP HANGUP', 'OP BUDGET', 'OP KILL', 'OP BROADCAST']);
    for (const a of ['BROADCAST', 'KILL', 'BUDGET', 'HANGUP']) {
      const want = new RegExp(`"operator":"OP","action":"${a}"`);
      // the log reaches the pipe a moment after the answer
      for (let i = 0; i < 50 && !want.test(server.stdout()); i++) await new Promise((r) => setTimeout(r, 100));
      expect(server.stdout()).toMatch(want);
    }
  });
});
