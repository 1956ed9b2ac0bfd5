// Real programs to mutate: the machine's examples, the shared library and the BASIC conformance
// programs. Read at test time, so programs added later are fuzzed too.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

function filesIn(dir: string, ext: string): string[] {
  const d = join(ROOT, dir);
  if (!existsSync(d)) return [];
  return readdirSync(d).filter((f) => f.toLowerCase().endsWith(ext)).sort().map((f) => readFileSync(join(d, f), 'utf8'));
}

export function asmSeeds(): string[] {
  return [...filesIn('server/machine/examples', '.s'), ...filesIn('server/library', '.s')];
}

export function basicSeeds(): string[] {
  return [...filesIn('server/library', '.bas'), ...filesIn('test/basic/conformance', '.bas')];
}
