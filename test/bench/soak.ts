// `npm run bench -- soak [--minutes N] [--users U] [--typists T]`: a long run of ordinary life.
// U users loop: log in, write a program, SAVE or REPLACE it, RUN it, LIST, and hang up (BYE, or
// just drop the line); T terminals type at 10 characters a second throughout. Every minute: the
// server's RSS and open handles, and the echo p50/p99 of that minute. The last line says whether
// RSS grew: the last minute's RSS against the first's (against the start for a run under two
// minutes), beyond max(24 MiB, 15%).
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { login, type Term } from '../frontend/client.ts';
import { removeDir, spawnServer } from '../e2e/spawn.ts';
import { loginMany, percentile, rssKiB } from '../e2e/many.ts';
import { Typists } from '../hostile/typists.ts';

const PROGRAM = (v: number) => [
  '10 REM SOAK', `20 LET V = ${v}`, '30 FOR I = 1 TO 200', '40 LET S = S + I * V', '50 NEXT I',
  '60 PRINT "SUM"; S', '70 GOSUB 100', '80 STOP', '100 PRINT "SUB"', '110 RETURN', '120 END',
];

async function life(url: string, name: string, until: number, tally: { cycles: number; errors: number }): Promise<void> {
  for (let v = 0; Date.now() < until; v++) {
    let t: Term | null = null;
    try {
      t = await login(url, name, 'soakpw', v === 0);
      await t.command('NEW PROG');
      t.send(PROGRAM(v).map((l) => l + '\r').join(''));
      await t.expect('120 END\r\n');
      const saved = await t.command(v === 0 ? 'SAVE' : 'REPLACE');
      if (!/PROG (SAVED|REPLACED)\./.test(saved)) throw new Error(`save: ${saved}`);
      const run = await t.command('RUN');
      if (!/SUM [ -]?[\d.E+]+ \r\nSUB\r\n/.test(run)) throw new Error(`run: ${JSON.stringify(run)}`);
      await t.command('OLD PROG');
      await t.command('LIST 60');
      if (v % 3 === 2) t.close(); // dropped, not logged off
      else {
        t.line('BYE');
        await t.closedWith();
      }
      tally.cycles++;
    } catch (err) {
      if (tally.errors++ === 0) console.log(`first error (${name}): ${(err as Error).message.slice(0, 300)}`);
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      t?.close();
    }
  }
}

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: {
    minutes: { type: 'string', default: '1' }, users: { type: 'string', default: '20' }, typists: { type: 'string', default: '200' },
  } });
  const minutes = Number(values.minutes);
  const nUsers = Number(values.users);
  const nTyp = Number(values.typists);
  if (!(minutes > 0) || !(nUsers >= 1) || !(nTyp >= 1)) throw new Error('--minutes, --users and --typists must be positive');
  const server = await spawnServer(['--max-lines', String(nTyp + nUsers + 10), '--log-level', 'warn'], undefined, { built: true });
  const pid = server.child.pid!;
  const fds = () => readdirSync(`/proc/${pid}/fd`).length;
  try {
    console.log(`server ${server.url}; ${nUsers} users in a login-edit-run-hangup loop, ${nTyp} typists, ${minutes} minute(s)`);
    const typists = await loginMany(server.url, nTyp, 'typist');
    const ty = new Typists(typists);
    ty.go();
    ty.measuring = true;
    await new Promise((r) => setTimeout(r, 3000)); // warm up
    const startRss = Math.round(rssKiB(pid, readFileSync) / 102.4) / 10;
    const until = Date.now() + minutes * 60_000;
    const tally = { cycles: 0, errors: 0 };
    const lives = Array.from({ length: nUsers }, (_, i) => life(server.url, `soak${i}`, until, tally));
    const series: { minute: number; rss_mb: number; fds: number; p50_ms: number; p99_ms: number; echoes: number; user_cycles: number; errors: number }[] = [];
    const r3 = (x: number) => Math.round(x * 1000) / 1000;
    const began = until - minutes * 60_000;
    for (let m = 1; m <= Math.ceil(minutes); m++) {
      const at = began + Math.min(m * 60_000, minutes * 60_000);
      await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
      const { sorted } = ty.take();
      const row = {
        minute: m, rss_mb: Math.round(rssKiB(pid, readFileSync) / 102.4) / 10, fds: fds(),
        p50_ms: r3(percentile(sorted, 50)), p99_ms: r3(percentile(sorted, 99)), echoes: sorted.length,
        user_cycles: tally.cycles, errors: tally.errors,
      };
      series.push(row);
      console.log(`minute ${m}: RSS ${row.rss_mb} MiB, ${row.fds} fds, echo p50 ${row.p50_ms} ms p99 ${row.p99_ms} ms, ${row.user_cycles} user cycles so far, ${row.errors} errors`);
    }
    await Promise.all(lives);
    ty.stop();
    for (const t of typists) t.close();
    // against minute 1 when there are two or more (warm), else against the start
    const first = series.length >= 2 ? series[0].rss_mb : startRss;
    const last = series[series.length - 1].rss_mb;
    const growth = Math.round((last - first) * 10) / 10;
    const grew = growth > Math.max(24, first * 0.15);
    console.log(`RSS ${first} -> ${last} MiB (${growth >= 0 ? '+' : ''}${growth}); ${grew ? 'GREW' : 'did not grow'}`);
    console.log(JSON.stringify({ bench: 'soak', minutes, rss_start_mb: startRss, users: nUsers, typists: nTyp, series, rss_growth_mb: growth, rss_grew: grew, user_cycles: tally.cycles, errors: tally.errors }));
  } finally {
    await server.stop();
    removeDir(server.dir);
  }
}
