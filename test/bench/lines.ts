// `npm run bench -- lines [--lines N]`: the server's memory per idle logged-in terminal line. The
// server is a child process; its resident set is read from /proc before and after N lines log in.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { removeDir, spawnServer } from '../e2e/spawn.ts';
import { loginMany, rssKiB } from '../e2e/many.ts';

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { lines: { type: 'string', default: '5000' } } });
  const n = Number(values.lines);
  const server = await spawnServer(['--max-lines', String(n + 10), '--log-level', 'warn'], undefined, { built: true });
  try {
    const pid = server.child.pid!;
    // one line first, so code paths (login, scrypt, sqlite) are loaded before the baseline
    const warm = await loginMany(server.url, 1, 'warm');
    await new Promise((r) => setTimeout(r, 1000));
    const before = rssKiB(pid, readFileSync);
    console.log(`server ${server.url}: RSS ${(before / 1024).toFixed(1)} MiB with one line; logging in ${n} more`);
    const t0 = Date.now();
    const terms = await loginMany(server.url, n, 'idle');
    console.log(`${n} lines logged in in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await new Promise((r) => setTimeout(r, 2000)); // let the heap settle
    const after = rssKiB(pid, readFileSync);
    const kbPerLine = (after - before) / n;
    console.log(`RSS ${(after / 1024).toFixed(1)} MiB with ${n + 1} lines: ${kbPerLine.toFixed(1)} KiB per line (target <= 64)`);
    for (const t of [...terms, ...warm]) t.close();
    console.log(JSON.stringify({ bench: 'lines', lines: n, rss_mb: Math.round((after / 1024) * 10) / 10, kb_per_line: Math.round(kbPerLine * 10) / 10 }));
  } finally {
    await server.stop();
    removeDir(server.dir);
  }
}
