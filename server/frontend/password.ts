// Password hashing: scrypt from node:crypto (asynchronous, so hashing runs on libuv's pool and never
// delays an echo), a random salt per account, and the cost parameters stored with the hash so the
// cost can be raised later without invalidating old accounts.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** Real cost: N=2^15, r=8 (32 MiB, tens of ms on this machine). Tests and benches pass a tiny N. */
export const DEFAULT_SCRYPT_N = 1 << 15;
const R = 8;
const P = 1;
const KEYLEN = 32;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEYLEN, { N: n, r, p, maxmem: 256 * n * r + (1 << 20) }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 2 && (n & (n - 1)) === 0;
}

/** "scrypt$N$r$p$salt$hash" with salt and hash in base64. */
export async function hashPassword(password: string, n = DEFAULT_SCRYPT_N): Promise<string> {
  if (!isPowerOfTwo(n)) throw new Error(`scrypt N must be a power of two >= 2, not ${n}`);
  const salt = randomBytes(16);
  const key = await derive(password, salt, n, R, P);
  return `scrypt$${n}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = parts.slice(1, 4).map(Number);
  if (!isPowerOfTwo(n) || !(r > 0) || !(p > 0)) return false;
  const expected = Buffer.from(parts[5], 'base64');
  const key = await derive(password, Buffer.from(parts[4], 'base64'), n, r, p);
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash that no password matches, verified against when the user does not exist so that a
 *  wrong name and a wrong password take the same time. */
export async function dummyHash(n: number): Promise<string> {
  return hashPassword(randomBytes(12).toString('base64'), n);
}

/**
 * At most `concurrency` password hashes at once, the rest waiting in order; work whose line has
 * closed by its turn is dropped unhashed. scrypt runs on libuv's thread pool (4 threads by
 * default), which file writes share: 32 guessing lines once filled the pool, and a real login (and
 * the log) waited behind them for tens of seconds. Two at a time leaves the rest of the pool free.
 */
export class HashGate {
  private running = 0;
  private waiting: { start: () => void; alive: () => boolean; drop: () => void }[] = [];

  constructor(
    readonly concurrency = 2,
    /** past this many waiting, run() refuses at once (null) instead of queueing more */
    readonly maxWaiting = 256,
  ) {}

  /** Runs `work` when a slot is free; null if the caller went away first or the queue is full. */
  run<T>(work: () => Promise<T>, alive: () => boolean = () => true): Promise<T | null> {
    if (this.running >= this.concurrency && this.waiting.length >= this.maxWaiting) return Promise.resolve(null);
    return new Promise<T | null>((resolve, reject) => {
      const start = () => {
        this.running++;
        work().then(resolve, reject).finally(() => {
          this.running--;
          this.next();
        });
      };
      if (this.running < this.concurrency) start();
      else this.waiting.push({ start, alive, drop: () => resolve(null) });
    });
  }

  private next(): void {
    while (this.running < this.concurrency && this.waiting.length) {
      const w = this.waiting.shift()!;
      if (w.alive()) w.start();
      else w.drop();
    }
  }

  get queued(): number {
    return this.waiting.length;
  }

  get active(): number {
    return this.running;
  }
}
