// The web room's small pieces on their own: the proxy policy (--trust-proxy), the Origin check,
// cookies and the session table's expiry, and where a login may send the browser next.
import { describe, expect, test } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { clientAddress, isSecure, ownOrigin, sameOrigin } from '../../server/web/http.ts';
import { IDLE_MS, MAX_AGE_MS, WebSessions, clearCookie, sessionCookie } from '../../server/web/sessions.ts';
import { safeNext } from '../../server/web/web.ts';

function req(headers: Record<string, string>, remote = '10.0.0.9'): IncomingMessage {
  return { headers, socket: { remoteAddress: remote } } as unknown as IncomingMessage;
}

describe('behind a proxy or not', () => {
  test('without --trust-proxy, forwarded headers are the client\'s word and ignored', () => {
    const r = req({ host: 'ts.example:6400', 'x-forwarded-for': '1.2.3.4', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example' });
    const p = { trustProxy: false };
    expect(clientAddress(r, p)).toBe('10.0.0.9');
    expect(isSecure(r, p)).toBe(false);
    expect(ownOrigin(r, p)).toBe('http://ts.example:6400');
  });

  test('with --trust-proxy: the last X-Forwarded-For hop, https, the forwarded host', () => {
    const r = req({ host: 'backend:6400', 'x-forwarded-for': '6.6.6.6, 203.0.113.7', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'ts.example' });
    const p = { trustProxy: true };
    expect(clientAddress(r, p)).toBe('203.0.113.7');
    expect(isSecure(r, p)).toBe(true);
    expect(ownOrigin(r, p)).toBe('https://ts.example');
    expect(sameOrigin({ ...r, headers: { ...r.headers, origin: 'https://ts.example' } } as IncomingMessage, p)).toBe(true);
    expect(sameOrigin({ ...r, headers: { ...r.headers, origin: 'http://ts.example' } } as IncomingMessage, p)).toBe(false);
  });

  test('the Origin check wants the exact origin; a missing one is refused', () => {
    const p = { trustProxy: false };
    expect(sameOrigin(req({ host: '127.0.0.1:6400', origin: 'http://127.0.0.1:6400' }), p)).toBe(true);
    expect(sameOrigin(req({ host: '127.0.0.1:6400' }), p)).toBe(false);
    expect(sameOrigin(req({ host: '127.0.0.1:6400', origin: 'null' }), p)).toBe(false);
    expect(sameOrigin(req({ host: '127.0.0.1:6400', origin: 'http://127.0.0.1:6401' }), p)).toBe(false);
    expect(sameOrigin(req({ host: 'a@b', origin: 'http://a@b' }), p)).toBe(false);
  });

  test('cookies: HttpOnly and SameSite=Strict always, Secure behind TLS', () => {
    expect(sessionCookie('T', false)).toBe('timeshare_session=T; Path=/; HttpOnly; SameSite=Strict');
    expect(sessionCookie('T', true)).toMatch(/; Secure$/);
    expect(clearCookie(false)).toMatch(/Max-Age=0/);
  });
});

describe('web sessions', () => {
  test('a token names its user until logout, idleness or old age ends it', () => {
    let now = 1_000_000;
    const s = new WebSessions(() => now);
    const a = s.create('ALICE');
    const b = s.create('BOB');
    expect(a).not.toBe(b);
    expect(a.length).toBeGreaterThanOrEqual(40);
    expect(s.get(a)?.user).toBe('ALICE');
    expect(s.get('ALICE')).toBeNull();
    expect(s.get(undefined)).toBeNull();
    s.end(b);
    expect(s.get(b)).toBeNull();
    now += IDLE_MS - 1;
    expect(s.get(a)?.user).toBe('ALICE'); // used: the idle clock restarts
    now += IDLE_MS + 1;
    expect(s.get(a)).toBeNull();
    const c = s.create('CAROL');
    for (let i = 0; i < 200; i++) {
      now += IDLE_MS / 2;
      if (now - 1_000_000 > MAX_AGE_MS * 2) break;
      s.get(c);
    }
    expect(s.get(c)).toBeNull(); // never longer than MAX_AGE_MS, however busy
  });

  test('one user piling up sessions keeps only the newest 20', () => {
    const s = new WebSessions();
    const tokens = Array.from({ length: 30 }, () => s.create('ALICE'));
    expect(tokens.filter((t) => s.get(t) !== null)).toHaveLength(20);
    expect(s.get(tokens[29])?.user).toBe('ALICE');
  });
});

test('after login the browser goes only to a path on this site', () => {
  expect(safeNext('/bill?month=2026-01')).toBe('/bill?month=2026-01');
  expect(safeNext('/console')).toBe('/console');
  for (const bad of ['//evil.example', 'https://evil.example', '/\\evil.example', 'javascript:alert(1)', '', null, undefined, '/a b']) expect(safeNext(bad)).toBe('/bill');
});
