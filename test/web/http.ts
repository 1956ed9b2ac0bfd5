// A bare HTTP client for the web tests: node:http, so the test sets every header itself (Origin,
// Cookie, X-Forwarded-*) exactly as a browser or an attacker would.
import { request } from 'node:http';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  raw: Buffer;
}

export function http(base: string, method: string, path: string, opts: { headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const u = new URL(path, base);
    const req = request(u, { method, headers: opts.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: raw.toString('utf8'), raw });
      });
      res.on('error', reject);
    });
    req.on('error', (err) => {
      // the server may close a connection whose body it refused; that is an answer too
      if ((err as NodeJS.ErrnoException).code === 'ECONNRESET' || (err as NodeJS.ErrnoException).code === 'EPIPE') resolve({ status: -1, headers: {}, body: '', raw: Buffer.alloc(0) });
      else reject(err);
    });
    req.end(opts.body);
  });
}

/** The session cookie (name=value) from a Set-Cookie answer. */
export function cookieOf(r: Reply): string {
  const set = r.headers['set-cookie'];
  const first = Array.isArray(set) ? set[0] : set;
  if (!first) throw new Error(`no Set-Cookie in ${r.status} answer`);
  return first.split(';')[0];
}
