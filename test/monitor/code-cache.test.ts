// V8's code cache for a CommonJS bundle (server/code-cache.ts): taken when it matches, refused (and
// the bundle still runs the same) when it does not, and none when there is none. Each compile here
// is of a file of its own name: V8 keeps scripts it compiled in this process by source and name,
// and would hand one back without looking at the cache at all.
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheFile, compileCached, runScript, writeCache } from '../../server/code-cache.ts';

const dir = mkdtempSync(join(tmpdir(), 'ts-code-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BUNDLE = `const { join } = require('node:path');
function sum(n) { let s = 0; for (let i = 0; i < n; i++) s += i; return s; }
module.exports = { sum, here: join(__dirname, 'x'), name: __filename };
`;

type Exports = { sum(n: number): number; here: string; name: string };

let n = 0;
/** A new file holding `text`, with `cacheOf`'s cache (or `cache` as its cache) beside it. */
function bundle(text: string, from?: { cacheOf?: string; cache?: string }): string {
  const file = join(dir, `b${n++}.cjs`);
  writeFileSync(file, text);
  if (from?.cacheOf !== undefined) copyFileSync(cacheFile(from.cacheOf), cacheFile(file));
  if (from?.cache !== undefined) writeFileSync(cacheFile(file), from.cache);
  return file;
}

describe('the code cache of a CommonJS bundle', () => {
  const made = bundle(BUNDLE);
  const first = compileCached(made);
  const ran = runScript(made, first.script) as Exports;
  writeCache(made, first.script);

  it('runs as a CommonJS module without a cache', () => {
    expect(first.use).toBe('none');
    expect([ran.sum(10), ran.here, ran.name]).toEqual([45, join(dir, 'x'), made]);
  });

  it('takes the cache made after a run of the same source', () => {
    const file = bundle(BUNDLE, { cacheOf: made });
    const c = compileCached(file);
    expect(c.use).toBe('taken');
    expect((runScript(file, c.script) as Exports).sum(100)).toBe(4950);
  });

  it('refuses a damaged cache or one made for another source, and runs the same', () => {
    const bad = bundle(BUNDLE, { cache: 'not a cache at all' });
    const b = compileCached(bad);
    expect(b.use).toBe('refused');
    expect((runScript(bad, b.script) as Exports).sum(5)).toBe(10);
    const other = bundle(`${BUNDLE}module.exports.more = 1;\n`, { cacheOf: made });
    const o = compileCached(other);
    expect(o.use).toBe('refused');
    expect((runScript(other, o.script) as Exports).sum(10)).toBe(45);
  });
});
