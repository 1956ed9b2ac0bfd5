// `npm run build:web`: bundles the browser's files with esbuild into .web/ (npm ci runs it
// through `prepare`). Plain JavaScript so it runs before anything else is built. The server serves
// exactly these files; nothing is fetched from anywhere at run time.
import { build } from 'esbuild';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const out = process.argv[2] ? resolve(process.argv[2]) : join(root, '.web');
const client = join(here, 'client');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const started = Date.now();
await build({
  absWorkingDir: root,
  entryPoints: {
    teletype: join(client, 'teletype.ts'),
    bill: join(client, 'bill.ts'),
    console: join(client, 'console.ts'),
    'teletype-style': join(client, 'teletype.css'),
    pages: join(client, 'pages.css'),
  },
  outdir: out,
  entryNames: '[name]',
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2022'],
  legalComments: 'eof',
  logLevel: 'warning',
});
console.log(`web assets built in ${out} (${Date.now() - started} ms)`);
