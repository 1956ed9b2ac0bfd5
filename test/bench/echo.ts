// `npm run bench -- echo [--terminals N] [--busy N] [--seconds S]`: echo round-trip times for
// 1,000 logged-in terminals each typing 10 characters a second while 50 CPU-bound jobs keep the
// mainframe saturated. The server is a child process (`npm start`); the terminals live here.
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { login } from '../frontend/client.ts';
import { removeDir, spawnServer } from '../e2e/spawn.ts';
import { loginMany, percentile } from '../e2e/many.ts';

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { terminals: { type: 'string', default: '1000' }, busy: { type: 'string', default: '50' }, seconds: { type: 'string', default: '10' } } });
  const nTerms = Number(values.terminals);
  const nBusy = Number(values.busy);
  const seconds = Number(values.seconds);
  const server = await spawnServer(['--max-lines', String(nTerms + nBusy + 10), '--log-level', 'warn']);
  try {
    console.log(`server ${server.url}; logging in ${nBusy} busy lines and ${nTerms} typists`);
    const busy = await loginMany(server.url, nBusy, 'busy');
    for (const t of busy) {
      t.send('NEW LOOP.S\r10 start: ADD r1, r1, 1\r20 JMP start\rRUN\r');
    }
    await Promise.all(busy.map((t) => t.expect('RUN\r\n', 30_000)));
    const probe = await login(server.url, 'probe', 'benchpw');
    const st = await probe.command('SYSTAT');
    const running = (st.match(/LOOP\.S\s+\d+\s+(RUNNING|READY)/g) ?? []).length;
    console.log(`${running} of ${nBusy} CPU-bound jobs running or ready`);
    probe.close();

    const typists = await loginMany(server.url, nTerms, 'typist');
    // each typist: one character every 100 ms, phases spread evenly; the echo is the next frame
    const samples: number[] = [];
    const sentAt = new Float64Array(nTerms);
    let measuring = false;
    typists.forEach((t, i) => {
      t.ws.removeAllListeners('message');
      t.ws.on('message', () => {
        if (sentAt[i] > 0) {
          if (measuring) samples.push(performance.now() - sentAt[i]);
          sentAt[i] = 0;
        }
      });
    });
    const count = new Uint16Array(nTerms);
    const start = performance.now();
    const period = 100;
    let tick = 0;
    const timer = setInterval(() => {
      // send for every terminal whose phase has come since the last tick
      const now = performance.now() - start;
      const upto = Math.floor((now / period) * nTerms);
      for (; tick < upto; tick++) {
        const i = tick % nTerms;
        if (sentAt[i] > 0) continue; // its last echo has not come back: do not pile up
        // 20 letters, then Ctrl-U, so lines never reach the length limit
        const c = ++count[i] % 21 === 0 ? '\x15' : String.fromCharCode(97 + (count[i] % 26));
        sentAt[i] = performance.now();
        typists[i].ws.send(c);
      }
    }, 1);
    await new Promise((r) => setTimeout(r, 2000)); // warm up
    measuring = true;
    await new Promise((r) => setTimeout(r, seconds * 1000));
    measuring = false;
    clearInterval(timer);
    const lost = [...sentAt].filter((x) => x > 0 && performance.now() - x > 1000).length;
    const s = Float64Array.from(samples).sort();
    const r3 = (x: number) => Math.round(x * 1000) / 1000;
    const result = {
      bench: 'echo', terminals: nTerms, busy_jobs: nBusy,
      p50_ms: r3(percentile(s, 50)), p99_ms: r3(percentile(s, 99)), p999_ms: r3(percentile(s, 99.9)), max_ms: r3(s[s.length - 1]),
    };
    console.log(`host: ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} (other processes compete with the server and these terminals)`);
    console.log(`${s.length} echoes in ${seconds} s (${Math.round(s.length / seconds)}/s); ${lost} unanswered after 1 s`);
    console.log(`p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms, p99.9 ${result.p999_ms} ms, max ${result.max_ms} ms (targets: p99 <= 3, p99.9 <= 10)`);
    for (const t of [...typists, ...busy]) t.close();
    console.log(JSON.stringify(result));
  } finally {
    await server.stop();
    removeDir(server.dir);
  }
}
