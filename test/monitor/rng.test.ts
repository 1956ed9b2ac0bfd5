// The seed SEED restarts the generator from (RND with a negative argument in the extended dialect).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { nextRandom, seedFromNumber } from '../../server/monitor/rng.ts';

describe('seedFromNumber', () => {
  it('is a non-zero 32-bit state, the same for the same number', () => {
    fc.assert(fc.property(fc.double(), (x) => {
      const s = seedFromNumber(x);
      expect(s).not.toBe(0);
      expect(s).toBe(s | 0);
      expect(seedFromNumber(x)).toBe(s);
    }));
  });

  it('gives nearby seeds unrelated sequences', () => {
    const seeds = [-1, -2, -3, -1.5, -1e-10, -1e300, 0, 1].map(seedFromNumber);
    expect(new Set(seeds).size).toBe(seeds.length);
    const firsts = seeds.map((s) => nextRandom(s)[0]);
    expect(new Set(firsts).size).toBe(firsts.length);
    for (const v of firsts) expect(v >= 0 && v < 1).toBe(true);
  });
});
