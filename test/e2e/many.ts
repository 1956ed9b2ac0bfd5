// Shared by the echo and lines benchmarks: log in many terminals on a server process, a bounded
// number at a time, each through the real dialog (registration, with a tiny scrypt cost).
import { login, type Term } from '../frontend/client.ts';

export async function loginMany(url: string, n: number, prefix: string, concurrency = 64): Promise<Term[]> {
  const terms: Term[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        const i = next++;
        const t = await login(url, `${prefix}${i}`, 'benchpw', true);
        // keep no transcript: thousands of idle lines must not grow the bench's own memory
        t.out = '';
        t.cursor = 0;
        terms[i] = t;
      }
    }),
  );
  return terms;
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
