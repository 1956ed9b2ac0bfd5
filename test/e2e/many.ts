// Shared by the echo and lines benchmarks: log in many terminals on a server process, a bounded
// number at a time, each through the real dialog (registration, with a tiny scrypt cost).
import { Term } from '../frontend/client.ts';

/** `from(i)`, when given, is the local address terminal i dials from (e.g. 127.0.2.x): many users
 *  behind one address are a school's NAT, not a thousand callers, and meet its per-address limits. */
export async function loginMany(url: string, n: number, prefix: string, concurrency = 64, from?: (i: number) => string): Promise<Term[]> {
  const terms: Term[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        const i = next++;
        const t = await loginRetrying(url, `${prefix}${i}`, from?.(i));
        // keep no transcript: thousands of idle lines must not grow the bench's own memory
        t.out = '';
        t.cursor = 0;
        terms[i] = t;
      }
    }),
  );
  return terms;
}

/** A login that a busy server refused or dropped (a handshake place taken by an attacker, a
 *  line limit) is tried again, twice, after a pause: one lost typist must not end a benchmark.
 *  It registers the name or, if an earlier try already did, logs in to it. */
async function loginRetrying(url: string, user: string, localAddress?: string): Promise<Term> {
  for (let attempt = 1; ; attempt++) {
    let t: Term | null = null;
    try {
      t = await Term.open(url, localAddress);
      await t.expect('USER NAME--');
      t.line(user);
      await t.expect('PASSWORD--');
      t.line('benchpw');
      // a new name asks for the password again; a name registered by an earlier try does not
      if ((await t.expect(/PASSWORD--|READY\.\r\n/)).endsWith('PASSWORD--')) {
        t.line('benchpw');
        await t.expect(/READY\.\r\n/);
      }
      return t;
    } catch (err) {
      t?.close();
      if (attempt >= 3) throw new Error(`login of ${user} failed 3 times: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

export function rssKiB(pid: number, readFile: (p: string, e: 'utf8') => string): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFile(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error('no VmRSS');
  return Number(m[1]);
}

export function percentile(sorted: Float64Array | number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}
