// Each job's random numbers: Marsaglia's xorshift32 with a fixed seed, so a program draws the same
// sequence on every run and host until it calls RANDOMIZE.

export const RNG_SEED = 0x2545f491;

/** The generator's next state (never 0 from a non-zero state). */
export function xorshift32(x: number): number {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return x | 0;
}

/** A number in [0, 1) with 53 random bits, from two steps; returns [value, new state]. */
export function nextRandom(state: number): [number, number] {
  const a = xorshift32(state);
  const b = xorshift32(a);
  const value = ((a >>> 5) * 67108864 + (b >>> 6)) / 9007199254740992;
  return [value, b];
}

/** The state SEED restarts from: every bit of the number counts, so nearby seeds (-1, -1.5, -2)
 *  start unrelated sequences, and the same number always the same one. Never 0 (a dead state). */
export function seedFromNumber(x: number): number {
  const bits = new DataView(new ArrayBuffer(8));
  bits.setFloat64(0, x);
  let s = xorshift32((bits.getInt32(0) ^ RNG_SEED) | 0 || RNG_SEED);
  s = xorshift32((s ^ Math.imul(bits.getInt32(4), 0x9e3779b1)) | 0 || RNG_SEED);
  return s === 0 ? RNG_SEED : s;
}

/** A non-zero seed from the clock, for RANDOMIZE. */
export function seedFromClock(ms: number, salt: number): number {
  const s = xorshift32((Math.floor(ms) ^ Math.imul(salt, 0x9e3779b1)) | 0);
  return s === 0 ? RNG_SEED : s;
}
