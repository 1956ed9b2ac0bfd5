// The build: every command's TypeScript bundled into one JavaScript file per command in `.build/`,
// so a command starts with plain `node` (no TypeScript loader compiling a hundred files at every
// start). The TypeScript sources stay the only thing anyone edits: `npm ci` builds (`prepare`),
// and server/launch.mjs rebuilds first whenever a source is newer than the build.
//
// Plain JavaScript (not TypeScript) because it must run before anything is built. esbuild bundles
// the whole project in a fraction of a second; type checking is `npm run typecheck`'s job.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const OUT = join(ROOT, '.build');

/** The commands: name in `.build/` -> its source. */
export const ENTRIES = {
  main: 'server/main.ts',
  // the job command's entry only sets V8's flags and runs job-main.cjs through its code cache (below)
  job: 'server/job-start.ts',
  admin: 'server/admin.ts',
  bills: 'server/bills.ts',
  worker: 'server/monitor/worker.ts',
  'store-worker': 'server/store/store-worker.ts',
  terminal: 'terminal/main.ts',
};

/** What the build is made of: the sources of the three rooms that ship, and the package itself. */
const SOURCE_DIRS = ['server', 'terminal', 'shared'];
const SOURCE_FILE = /\.(ts|mjs|json)$/;

/** The newest modification time and the number of the build's source files. */
export function sourcesState() {
  let newest = statSync(join(ROOT, 'package.json')).mtimeMs;
  let files = 0;
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (SOURCE_FILE.test(e.name)) {
        files++;
        const t = statSync(p).mtimeMs;
        if (t > newest) newest = t;
      }
    }
  };
  for (const d of SOURCE_DIRS) walk(join(ROOT, d));
  return { newest, files };
}

/** True when `.build/` exists and no source changed since it was made. */
export function isFresh() {
  try {
    const stamp = JSON.parse(readFileSync(join(OUT, 'stamp.json'), 'utf8'));
    const now = sourcesState();
    return now.newest <= stamp.startedMs && now.files === stamp.files;
  } catch {
    return false;
  }
}

// A bundle puts every module in one file, so `import.meta.url` would name the bundle, not the
// source file that uses it to find its neighbours (the library's programs, the default rates).
// Each source file's own URL is therefore written in, relative to the bundle, so the tree can move.
const keepSourceUrls = {
  name: 'source-urls',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url') || args.path.includes(`${sep}node_modules${sep}`)) return undefined;
      const rel = relative(OUT, args.path).split(sep).join('/');
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'ts' };
    });
  },
};

/**
 * V8's code cache of the job command's bundle (server/code-cache.ts): made by running the bundle
 * once on server/job-train.ts (a BASIC program in both dialects), so that it holds what a job
 * compiles. Without it, or if V8 refuses it, jobs run the same, compiling as they go, so a failure
 * here fails nothing. (Measured 2026-12-02: README, BASIC.)
 */
function makeJobCache() {
  spawnSync(process.execPath, [join(OUT, 'job.js')], {
    env: { ...process.env, TIMESHARE_CODE_CACHE_TRAIN: '1' }, stdio: 'ignore', timeout: 60_000,
  });
}

/** Builds every command into `.build/` (replaced whole, so a reader never sees half a build). */
export async function buildAll() {
  const { build } = await import('esbuild'); // only when building: a fresh start need not load it
  const startedMs = Date.now();
  const { files } = sourcesState();
  const tmp = `${OUT}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  // The mainframe finds its worker's bundle from mainframe.ts's own (source) URL.
  const workerFromMainframe = relative(join(ROOT, 'server/monitor'), join(OUT, 'worker.js')).split(sep).join('/');
  // ... and the SQLite store its thread's from worker-store.ts's.
  const storeWorkerFromStore = relative(join(ROOT, 'server/store'), join(OUT, 'store-worker.js')).split(sep).join('/');
  // ... and the job command's entry its bundle, from job-start.ts's.
  const jobMainFromStart = relative(join(ROOT, 'server'), join(OUT, 'job-main.cjs')).split(sep).join('/');
  await build({
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, src]) => [name, join(ROOT, src)])),
    outdir: tmp,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
    define: { __TIMESHARE_WORKER__: JSON.stringify(workerFromMainframe), __TIMESHARE_STORE_WORKER__: JSON.stringify(storeWorkerFromStore), __TIMESHARE_JOB_MAIN__: JSON.stringify(jobMainFromStart) },
    plugins: [keepSourceUrls],
  });
  // The job command itself, as CommonJS: V8 keeps a code cache for a script, not for an ES module.
  // import.meta.url (written in by keepSourceUrls) becomes the bundle's own URL.
  await build({
    entryPoints: { 'job-main': join(ROOT, 'server/job.ts') },
    outdir: tmp,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
    define: { 'import.meta.url': '__bundle_url', __TIMESHARE_WORKER__: JSON.stringify(workerFromMainframe), __TIMESHARE_STORE_WORKER__: JSON.stringify(storeWorkerFromStore) },
    banner: { js: 'var __bundle_url = require("node:url").pathToFileURL(__filename).href;' },
    plugins: [keepSourceUrls],
  });
  writeFileSync(join(tmp, 'package.json'), '{"type":"module"}\n');
  writeFileSync(join(tmp, 'stamp.json'), `${JSON.stringify({ startedMs, files })}\n`);
  const old = `${OUT}.old-${process.pid}`;
  try {
    renameSync(OUT, old);
  } catch {
    // no earlier build
  }
  try {
    renameSync(tmp, OUT);
  } catch (e) {
    // Another process finished a build at the same moment: theirs is as good as ours.
    if (!isFresh()) throw e;
    rmSync(tmp, { recursive: true, force: true });
  }
  rmSync(old, { recursive: true, force: true });
  makeJobCache();
  return Date.now() - startedMs;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const ms = await buildAll();
  process.stderr.write(`built ${Object.keys(ENTRIES).length} commands into .build/ in ${ms} ms\n`);
}
