// The browser's files, built at install by `npm run build:web` (build.mjs, esbuild) into .web/
// and served from memory: gzip computed once, a content hash as the ETag, long caching because
// pages name each file with its hash (`/assets/teletype.js?v=HASH`). Nothing is fetched from
// anywhere else, ever.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface Asset {
  type: string;
  body: Buffer;
  gzip: Buffer;
  hash: string;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** The project root: the nearest folder above `from` holding package.json (works from sources
 *  and from compiled JavaScript alike). */
export function projectRoot(from = import.meta.dirname): string {
  let d = from;
  for (;;) {
    if (existsSync(join(d, 'package.json')) && existsSync(join(d, 'server'))) return d;
    const up = dirname(d);
    if (up === d) return from;
    d = up;
  }
}

export const ASSET_DIR = join(projectRoot(), '.web');

export class Assets {
  readonly files = new Map<string, Asset>();

  constructor(readonly dir = ASSET_DIR) {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const type = TYPES[extname(name)];
      if (!type) continue;
      const body = readFileSync(join(dir, name));
      this.files.set(name, { type, body, gzip: gzipSync(body, { level: 9 }), hash: createHash('sha256').update(body).digest('base64url').slice(0, 16) });
    }
  }

  /** The files a page needs are all there (else the server says how to build them). */
  has(...names: string[]): boolean {
    return names.every((n) => this.files.has(n));
  }

  /** `/assets/NAME?v=HASH` for a page to link. */
  url(name: string): string {
    const a = this.files.get(name);
    return `/assets/${name}${a ? `?v=${a.hash}` : ''}`;
  }
}
