// The conformance suite: one program per section of ECMA-55 (`s*`, run in the ecma55 dialect) and
// one per behaviour of the extended dialect (`x*`, run in it), each with the exact output it must
// type (.out), its input (.in) and the system's messages (.err).
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { messages, runBasic } from './run.ts';

const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'conformance');
const exits = JSON.parse(readFileSync(join(dir, 'exit-codes.json'), 'utf8')) as Record<string, number>;
const names = readdirSync(dir).filter((f) => f.endsWith('.bas')).map((f) => f.slice(0, -4)).sort();
const read = (name: string, ext: string): string | undefined => {
  const p = join(dir, `${name}.${ext}`);
  return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
};

describe('ECMA-55 conformance programs', () => {
  it('has a program for each section', () => {
    expect(names.length).toBeGreaterThanOrEqual(15);
  });
  for (const name of names) {
    it(name, async () => {
      const dialect = name.startsWith('s') ? 'ecma55' : 'extended';
      const r = await runBasic(read(name, 'bas') as string, read(name, 'in') ?? '', { dialect });
      expect(r.stdout).toBe(read(name, 'out') ?? '');
      expect(messages(r.stderr)).toEqual(messages(read(name, 'err') ?? ''));
      expect(r.exitCode).toBe(exits[name] ?? 0);
    });
  }
});
