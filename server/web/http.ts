// HTTP plumbing for the web room: security headers on every answer, bounded request bodies,
// cookies, the client's address (behind a trusted proxy or not) and the same-origin check that
// every state change must pass.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Largest request body accepted (forms and JSON actions are a few hundred bytes). */
export const MAX_BODY = 8 * 1024;

/**
 * Scripts only from this server (no inline script, no eval). Styles allow 'unsafe-inline' because
 * xterm.js's DOM renderer writes its theme into <style> elements it creates at run time; a style
 * cannot run code, and every script is still 'self' only. Nothing may frame the pages.
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function securityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  const buf = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': String(buf.length), 'Cache-Control': 'no-store', ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : buf);
}

export function json(res: ServerResponse, status: number, value: unknown, extra: Record<string, string> = {}): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value), extra);
}

export function redirect(res: ServerResponse, to: string): void {
  res.writeHead(303, { Location: to, 'Content-Length': '0', 'Cache-Control': 'no-store' }).end();
}

/** Reads a request body of at most `limit` bytes; a bigger one is refused with 413. */
export function readBody(req: IncomingMessage, limit = MAX_BODY): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) return reject(new HttpError(413, `request body over ${limit} bytes`));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new HttpError(413, `request body over ${limit} bytes`));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A form (application/x-www-form-urlencoded) or JSON object body as string fields. */
export async function readFields(req: IncomingMessage): Promise<Record<string, string>> {
  const body = await readBody(req);
  const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const out: Record<string, string> = Object.create(null);
  if (type === 'application/json') {
    let v: unknown;
    try {
      v = JSON.parse(body || '{}');
    } catch {
      throw new HttpError(400, 'the body is not JSON');
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new HttpError(400, 'the body must be a JSON object');
    for (const [k, x] of Object.entries(v)) if (typeof x === 'string' || typeof x === 'number') out[k] = String(x);
    return out;
  }
  if (type === 'application/x-www-form-urlencoded' || type === '') {
    for (const [k, x] of new URLSearchParams(body)) out[k] = x;
    return out;
  }
  throw new HttpError(415, 'send a form or JSON');
}

export function cookies(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const k = part.slice(0, i).trim();
    if (!out.has(k)) out.set(k, part.slice(i + 1).trim());
  }
  return out;
}

export interface ProxyPolicy {
  /** behind a TLS-terminating reverse proxy we trust (`--trust-proxy`) */
  trustProxy: boolean;
}

/** The client's address: the socket's, or behind a trusted proxy the address the proxy saw (the
 *  last X-Forwarded-For hop, which the proxy itself appended; earlier hops are the client's word). */
export function clientAddress(req: IncomingMessage, p: ProxyPolicy): string {
  const socket = req.socket.remoteAddress ?? 'unknown';
  if (!p.trustProxy) return socket;
  const xff = String(req.headers['x-forwarded-for'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return xff.length ? xff[xff.length - 1] : socket;
}

/** Served over TLS: only ever true behind a trusted proxy (this server speaks plain HTTP). */
export function isSecure(req: IncomingMessage, p: ProxyPolicy): boolean {
  if (!p.trustProxy) return false;
  const proto = String(req.headers['x-forwarded-proto'] ?? 'https').split(',')[0].trim().toLowerCase();
  return proto === 'https';
}

/** The origin this request was addressed to, e.g. http://127.0.0.1:6400. */
export function ownOrigin(req: IncomingMessage, p: ProxyPolicy): string | null {
  const host = p.trustProxy ? String(req.headers['x-forwarded-host'] ?? req.headers.host ?? '') : String(req.headers.host ?? '');
  if (!host || /[\s/\\@]/.test(host)) return null;
  return `${isSecure(req, p) ? 'https' : 'http'}://${host.toLowerCase()}`;
}

/** A state change must come from our own pages: the browser's Origin header names this server.
 *  A request without Origin (not a browser, or a very old one) is refused as well. */
export function sameOrigin(req: IncomingMessage, p: ProxyPolicy): boolean {
  const origin = req.headers.origin;
  const own = ownOrigin(req, p);
  return typeof origin === 'string' && own !== null && origin.toLowerCase() === own;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
