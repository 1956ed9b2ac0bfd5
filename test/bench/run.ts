// `npm run bench -- NAME [ARGS...]`: runs test/bench/NAME.ts. Each benchmark prints human-readable
// lines, then one JSON object as the last line of stdout.
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const names = readdirSync(here).filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_')).map((f) => f.slice(0, -3));
const [name, ...rest] = process.argv.slice(2).filter((a, i) => !(i === 1 && a === '--'));
if (!name || !names.includes(name)) {
  console.error(`usage: npm run bench -- NAME [ARGS]\nbenchmarks: ${names.sort().join(', ')}`);
  process.exit(2);
}
// The servers a benchmark starts run the built bundle, as users do (spawn.ts `built`): build it
// once here if a source changed, so that two servers started at once do not both rebuild it.
// (hostile.ts runs this file again as its attackers' process: the bundle is fresh by then.)
const build = (await import(pathToFileURL(join(here, '../../server/build.mjs')).href)) as { isFresh(): boolean; buildAll(): Promise<number> };
if (!build.isFresh()) console.error(`bench: sources changed; rebuilt .build/ in ${await build.buildAll()} ms`);
const mod = (await import(pathToFileURL(join(here, `${name}.ts`)).href)) as { main(args: string[]): Promise<void> | void };
await mod.main(rest);
