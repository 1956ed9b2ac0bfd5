// Runs a CommonJS bundle through V8's code cache. In a fresh process V8 compiles each function the
// first time it is called (parsing it again, making its bytecode): for a short job that was a good
// part of its time (compiling a 20-line program took 6.5 ms against 2.6 ms with everything compiled
// beforehand). A cache made after a run holds the bytecode of what that run compiled, and V8 takes
// it instead of compiling, after checking that it was made by the same V8, with the same flags,
// for the same source; otherwise it is refused and everything compiles as it would without it.
// Node 20 has no module.enableCompileCache, and ES modules have no code cache: hence CommonJS.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/** Set to 1 by the build for the job command: run job-train.ts instead of a program named on the
 *  command line, and make the cache at exit. */
export const TRAIN_ENV = 'TIMESHARE_CODE_CACHE_TRAIN';

/** What became of the cache: taken, refused by V8, or none there. */
export type CacheUse = 'taken' | 'refused' | 'none';

/** Where the cache of `bundle` is kept. */
export const cacheFile = (bundle: string): string => `${bundle}.cache`;

/** The bundle compiled (not run yet), with its cache if there is one. */
export function compileCached(bundle: string): { script: Script; use: CacheUse } {
  const source = readFileSync(bundle, 'utf8');
  let data: Buffer | undefined;
  try {
    data = readFileSync(cacheFile(bundle));
  } catch {
    // none yet: compile as usual
  }
  const script = new Script(Module.wrap(source), { filename: bundle, cachedData: data });
  return { script, use: data === undefined ? 'none' : script.cachedDataRejected ? 'refused' : 'taken' };
}

/** Writes the cache of everything `script` has compiled so far (replacing the file whole). */
export function writeCache(bundle: string, script: Script): void {
  const tmp = `${cacheFile(bundle)}.tmp-${process.pid}`;
  writeFileSync(tmp, script.createCachedData());
  renameSync(tmp, cacheFile(bundle));
}

/** Runs `bundle` as a CommonJS module of this process and returns its exports. */
export function runScript(bundle: string, script: Script): unknown {
  const m = new Module(bundle);
  m.filename = bundle;
  const run = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
  run.call(m.exports, m.exports, createRequire(bundle), m, bundle, dirname(bundle));
  return m.exports;
}

/** Runs `bundle` with its cache; `make`: write the cache when the process exits. */
export function runCached(bundle: string, make = false): CacheUse {
  const { script, use } = compileCached(bundle);
  if (make) process.once('exit', () => writeCache(bundle, script));
  runScript(bundle, script);
  return use;
}
