// Loading a program image into a partition and preparing the job's Context to run it.
import type { Context } from './context.ts';
import type { Image } from './image.ts';
import { SP } from './isa.ts';

/** Even partition size an image needs: its words, its zeroed data and its stack. */
export function partitionWords(image: Image): number {
  const n = image.words.length + Math.max(0, image.bssWords) + Math.max(0, image.stackWords);
  return n + (n & 1);
}

/** Copies image.words to core[base..], zeroes the rest of the partition [base, base+size), and
 *  sets ctx: pc = entry, base, limit = size, the stack = the top image.stackWords words, SP at its
 *  top, every other register 0, codeEnd from the image, an empty decoded cache.
 *  Throws (a monitor bug, not a user error) if the partition is odd, too small or outside core. */
export function loadImage(core: Int32Array, ctx: Context, image: Image, base: number, size: number): void {
  if (!Number.isInteger(base) || !Number.isInteger(size) || (base & 1) !== 0 || (size & 1) !== 0) {
    throw new Error(`loadImage: partition base ${base} and size ${size} must be even integers`);
  }
  if (size < partitionWords(image)) throw new Error(`loadImage: partition of ${size} words is smaller than the ${partitionWords(image)} the image needs`);
  if (base < 0 || base + size > core.length) throw new Error(`loadImage: partition [${base}, ${base + size}) is outside core`);
  core.set(image.words, base);
  core.fill(0, base + image.words.length, base + size);
  ctx.r.fill(0);
  ctx.f.fill(0);
  ctx.base = base;
  ctx.limit = size;
  ctx.stackHigh = size;
  ctx.stackLow = size - Math.max(0, image.stackWords);
  ctx.r[SP] = size;
  ctx.pc = image.entry | 0;
  ctx.svcNumber = 0;
  ctx.trapKind = 0;
  ctx.trapPc = 0;
  ctx.trapAddr = 0;
  // The cache must stay below the stack: pushes are not checked against it.
  ctx.setCode(Math.min(Math.max(0, image.codeEnd | 0), ctx.stackLow));
}
