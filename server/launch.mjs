// `node server/launch.mjs COMMAND [ARGS]`: what the npm scripts run. Starts the command's built
// bundle from `.build/`, building it first if a source changed since the last build (or there is
// none), so an edited source is never silently ignored. Plain JavaScript: it runs before any build.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ENTRIES, OUT, buildAll, isFresh } from './build.mjs';

const name = process.argv[2];
// the threads' bundles (the mainframe's `worker`, the SQLite `store-worker`) are not commands
const isThread = (n) => n === 'worker' || n.endsWith('-worker');
if (!name || !(name in ENTRIES) || isThread(name)) {
  process.stderr.write(`usage: node server/launch.mjs ${Object.keys(ENTRIES).filter((n) => !isThread(n)).join('|')} [ARGS]\n`);
  process.exit(2);
}
if (!isFresh()) {
  const first = !existsSync(OUT);
  const ms = await buildAll();
  // stderr: a command's stdout belongs to the command (a job's output, a bill in JSON).
  process.stderr.write(`timeshare: ${first ? 'built' : 'sources changed; rebuilt'} .build/ in ${ms} ms\n`);
}
process.setSourceMapsEnabled(true); // stack traces in logs name the TypeScript lines
process.argv.splice(2, 1); // the command sees its own arguments only, as if started directly
await import(pathToFileURL(join(OUT, `${name}.js`)).href);
