// One seed per test run for the fuzzers, printed so that a failure can be replayed exactly:
//   FUZZ_SEED=123456 npx vitest run --config test/vitest.config.ts test/hostile/fuzz-compilers.test.ts
// (fast-check also prints the seed and path of a failing case; this makes the whole run repeatable.)
const given = process.env.FUZZ_SEED;
export const FUZZ_SEED = given !== undefined && /^-?\d+$/.test(given) ? Number(given) : (Date.now() ^ (process.pid << 8)) | 0;

let told = false;
/** fast-check parameters with the run's seed; the first call prints it. */
export function fuzzParams<T extends object>(extra: T): T & { seed: number } {
  if (!told) {
    told = true;
    console.log(`fuzz seed ${FUZZ_SEED} (replay: FUZZ_SEED=${FUZZ_SEED})`);
  }
  return { ...extra, seed: FUZZ_SEED };
}
