// `npm run bench -- hostile [--terminals N] [--hostile N] [--seconds S]`: echo round trips for 1,000
// typing terminals (10 characters a second each) while 50 hostile jobs run on other lines: tight
// loops, supervisor-call loops, output floods (some to terminals that stop reading), jobs waiting
// for input, stack bombs, address walks, the largest DIM, division-by-zero storms and a 10,000-line
// program. Jobs that end are run again at once. The server is a child process (`npm start`).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Term } from '../frontend/client.ts';
import { removeDir, spawnServer } from '../e2e/spawn.ts';
import { loginMany, percentile, rssKiB } from '../e2e/many.ts';
import { Typists } from '../hostile/typists.ts';

interface Kind { name: string; program: string; lines: string[]; rerun: boolean; deaf?: boolean }

const bigProgram = (() => {
  const rows = Array.from({ length: 9998 }, (_, i) => `${i + 1} LET A = A + 1`);
  return [...rows, '9999 PRINT A', '10000 END'];
})();

export const KINDS: Kind[] = [
  { name: 'tight loop', program: 'LOOP.S', lines: ['10 start: JMP start'], rerun: true },
  { name: 'svc loop', program: 'SVC.S', lines: ['10 start: SVC TIME', '20 LI r1, 0', '30 SVC SLEEP', '40 SVC CPUTIME', '50 JMP start'], rerun: true },
  { name: 'output flood', program: 'FLOOD.S', lines: ['10 start: LI r1, 65', '20 l: SVC PUTC', '30 JMP l'], rerun: true },
  { name: 'flood, terminal not reading', program: 'DEAF.S', lines: ['10 start: LA r1, b', '20 LI r2, 2000', '30 l: SVC PUTS', '40 JMP l', '50 b: .space 2000'], rerun: false, deaf: true },
  { name: 'waits for input', program: 'WAIT', lines: ['10 INPUT A', '20 END'], rerun: false },
  { name: 'recursive GOSUB', program: 'REC', lines: ['10 GOSUB 10', '20 END'], rerun: true },
  { name: 'PUSH loop', program: 'PUSH.S', lines: ['10 start: PUSH r1', '20 JMP start'], rerun: true },
  { name: 'address walk', program: 'WALK.S', lines: ['10 start: LI r1, 0', '20 l: LD r2, 0(r1)', '30 ADD r1, r1, 1', '40 JMP l'], rerun: true },
  { name: 'largest DIM', program: 'DIM', lines: ['10 DIM A(250000)', '20 FOR I = 1 TO 250000', '30 LET A(I) = I', '40 NEXT I', '50 END'], rerun: true },
  { name: 'division storm', program: 'DIV', lines: ['10 LET A = 1/0', '20 GOTO 10', '30 END'], rerun: true },
  { name: '10,000 lines', program: 'BIG', lines: bigProgram, rerun: true },
];

/** Types the program (in frames under 64 KiB) and RUN; reruns it at each READY. if asked. */
export function unleash(t: Term, k: Kind, runs: { n: number }): void {
  t.ws.removeAllListeners('message');
  let tail = '';
  let started = false;
  t.ws.on('message', (d) => {
    const text = tail + d.toString();
    const readies = text.split('READY.').length - 1;
    tail = text.slice(-8);
    if (!started || !k.rerun) return;
    for (let i = 0; i < readies; i++) {
      runs.n++;
      t.send('RUN\r');
    }
  });
  t.send(`NEW ${k.program}\r`);
  let frame = '';
  for (const l of k.lines) {
    if (frame.length + l.length > 32_000) {
      t.send(frame);
      frame = '';
    }
    frame += l + '\r';
  }
  t.send(frame + 'RUN\r');
  started = true;
  runs.n++;
  if (k.deaf) setTimeout(() => (t.ws as unknown as { _socket: { pause(): void } })._socket.pause(), 200);
}

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: {
    terminals: { type: 'string', default: '1000' }, hostile: { type: 'string', default: '50' }, seconds: { type: 'string', default: '10' },
    kinds: { type: 'string' },
  } });
  // --kinds 0,2,5: only those kinds (by their place in KINDS), to find which one costs the most
  const kinds = values.kinds ? values.kinds.split(',').map((x) => KINDS[Number(x)]).filter(Boolean) : KINDS;
  const nTerms = Number(values.terminals);
  const nHostile = Number(values.hostile);
  const seconds = Number(values.seconds);
  const server = await spawnServer(['--max-lines', String(nTerms + nHostile + 10), '--log-level', 'warn']);
  const pid = server.child.pid!;
  try {
    console.log(`server ${server.url}; ${nHostile} hostile lines, ${nTerms} typists`);
    const hostile = await loginMany(server.url, nHostile, 'evil');
    const runs = { n: 0 };
    hostile.forEach((t, i) => unleash(t, kinds[i % kinds.length], runs));
    const typists = await loginMany(server.url, nTerms, 'typist');
    const rssStart = rssKiB(pid, readFileSync);
    const ty = new Typists(typists);
    ty.go();
    await new Promise((r) => setTimeout(r, 2000)); // warm up
    ty.take();
    ty.measuring = true;
    let rssPeak = 0;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssKiB(pid, readFileSync))), 250);
    const runsBefore = runs.n;
    await new Promise((r) => setTimeout(r, seconds * 1000));
    clearInterval(sampler);
    ty.stop();
    const { sorted: s, stuck } = ty.take();
    const rssEnd = rssKiB(pid, readFileSync);
    const r3 = (x: number) => Math.round(x * 1000) / 1000;
    const mb = (kib: number) => Math.round(kib / 102.4) / 10;
    const result = {
      bench: 'hostile', terminals: nTerms, hostile_jobs: nHostile,
      p50_ms: r3(percentile(s, 50)), p99_ms: r3(percentile(s, 99)), p999_ms: r3(percentile(s, 99.9)), max_ms: r3(s[s.length - 1]),
      server_rss_mb: mb(rssPeak), server_rss_start_mb: mb(rssStart), server_rss_end_mb: mb(rssEnd),
      hostile_runs: runs.n - runsBefore, echoes: s.length, unanswered: stuck,
    };
    console.log(`kinds: ${kinds.map((k) => k.name).join(', ')}`);
    console.log(`${s.length} echoes in ${seconds} s; ${stuck} unanswered after 1 s; ${result.hostile_runs} hostile runs started while measuring`);
    console.log(`echo p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms, p99.9 ${result.p999_ms} ms, max ${result.max_ms} ms (target p99 <= 5)`);
    console.log(`server RSS ${result.server_rss_start_mb} MiB at start, peak ${result.server_rss_mb}, end ${result.server_rss_end_mb}`);
    for (const t of [...typists, ...hostile]) t.close();
    console.log(JSON.stringify(result));
  } finally {
    await server.stop();
    removeDir(server.dir);
  }
}
