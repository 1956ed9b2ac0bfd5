// A program run again is not compiled again (compile-cache.ts): the same text, language and
// options find the last image. Each job still gets a fresh partition from it (a variable starts at
// 0 every run), the bill is the same, and a changed text or dialect is compiled afresh.
import { beforeAll, describe, expect, it } from 'vitest';
import { Monitor } from '../../server/monitor/monitor.ts';
import { CompileCache } from '../../server/monitor/compile-cache.ts';
import { type Compilers, loadCompilers } from '../../server/monitor/compilers.ts';
import type { FromMainframe } from '../../server/monitor/protocol.ts';
import type { CompileResult } from '../../server/machine/image.ts';
import type { BasicOptions } from '../../server/basic/options.ts';

let real: Compilers;
beforeAll(async () => {
  real = await loadCompilers();
});

const COUNTER = '10 LET A = A + 1\n20 PRINT "A IS"; A\n30 END\n';

function box() {
  const events: FromMainframe[] = [];
  const compiles: string[] = [];
  const compilers: Compilers = {
    basic: (source: string, options?: BasicOptions) => {
      compiles.push(source);
      return real.basic!(source, options);
    },
  };
  const m = new Monitor({ config: { paced: false }, compilers, emit: (e) => events.push(e), now: () => 1_800_000_000_000 });
  const run = (job: number, source: string, basic?: BasicOptions) => {
    m.handle({ t: 'run', job, owner: 'ANN', line: job, name: 'P', lang: 'basic', source, ...(basic ? { basic } : {}) });
    while (m.hasReady()) m.step(m.cfg.quantum);
    m.flush();
  };
  const output = (job: number) => events.filter((e) => e.t === 'out' && e.job === job).map((e) => (e as { text: string }).text).join('');
  const end = (job: number) => events.find((e): e is Extract<FromMainframe, { t: 'end' }> => e.t === 'end' && e.job === job)!;
  return { m, run, output, end, compiles };
}

describe('the compile cache', () => {
  it('runs the same program three times from one compile, each from a fresh partition, billed alike', () => {
    const b = box();
    for (const job of [1, 2, 3]) b.run(job, COUNTER);
    expect(b.compiles).toHaveLength(1);
    for (const job of [1, 2, 3]) {
      expect(b.output(job)).toBe('A IS 1 \n');
      expect(b.end(job).reason).toBe('normal');
      expect(b.end(job).meters.cycles).toBe(b.end(1).meters.cycles);
    }
    b.m.checkInvariants();
  });

  it('compiles again when the text or the dialect changes; a rejected program is rejected again', () => {
    const b = box();
    b.run(1, COUNTER);
    b.run(2, COUNTER.replace('A + 1', 'A + 2'));
    expect(b.output(2)).toBe('A IS 2 \n');
    b.run(3, COUNTER, { dialect: 'ecma55' });
    expect(b.compiles).toHaveLength(3);
    b.run(4, '10 LET = 99\n20 END\n');
    b.run(5, '10 LET = 99\n20 END\n');
    expect(b.compiles).toHaveLength(4);
    expect(b.end(4).reason).toBe('rejected');
    expect(b.end(5).reason).toBe('rejected');
    expect(b.end(5).message).toBe(b.end(4).message);
    expect(b.end(5).message).toMatch(/LINE 10/);
  });
});

describe('CompileCache', () => {
  const result = (words: number): CompileResult => ({ errors: [], warnings: [], image: { words: new Int32Array(words), entry: 0, bssWords: 0, stackWords: 0, codeEnd: 0 } });

  it('keeps at most its entries and words, letting the least recently used go first', () => {
    const c = new CompileCache(3, 100);
    c.set('a', result(10));
    c.set('b', result(10));
    c.set('c', result(10));
    expect(c.get('a')).toBeDefined(); // a is now the most recent
    c.set('d', result(10));
    expect(c.get('b')).toBeUndefined();
    expect([c.get('a'), c.get('c'), c.get('d')].every(Boolean)).toBe(true);
    c.set('e', result(91)); // too many words with the others: the older ones go
    expect(c.size).toBe(1);
    expect(c.get('e')).toBeDefined();
    c.set('f', result(101)); // larger than the whole cache: not kept
    expect(c.get('f')).toBeUndefined();
  });

  it('keys by language, options and text', () => {
    const k = CompileCache.key('basic', '10 END\n');
    expect(CompileCache.key('basic', '10 END\n')).toBe(k);
    expect(CompileCache.key('asm', '10 END\n')).not.toBe(k);
    expect(CompileCache.key('basic', '10 END\n', { dialect: 'ecma55' })).not.toBe(k);
    expect(CompileCache.key('basic', '10 END \n')).not.toBe(k);
  });
});
