// `npm run bench -- start [--runs N]`: how long the commands take to start, whole process, measured
// side by side in one run (rounds interleaved, so a busy moment of the host hits every variant):
// npm's own start-up (`npm run -s` of a script that only runs `node -e 0`), `npm run -s job` of a
// one-line program, the same through the launcher and on the built bundle without npm, the old way
// (tsx compiling the sources at start), and `npm start` until the server says it listens.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, option } from './_util.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

function timeMs(cmd: string, args: string[], cwd: string, expect: string): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0 || !r.stdout.includes(expect)) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return ms;
}

/** `npm start` on a free port until its "listening" log line, then SIGTERM. */
function timeListen(data: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn('npm', ['start', '-s', '--', '--port', '0', '--data', data, '--log-level', 'info'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('timeshare listening on')) {
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        process.kill(-child.pid!, 'SIGTERM');
        child.once('exit', () => resolve(ms));
      }
    });
    child.once('exit', (code) => {
      if (!out.includes('timeshare listening on')) reject(new Error(`npm start exited ${code}: ${out}`));
    });
  });
}

export async function main(args: string[]): Promise<void> {
  const runs = option(args, '--runs', 5);
  const tmp = mkdtempSync(join(tmpdir(), 'ts-start-'));
  try {
    // A package whose only script is `node -e 0`: npm's own cost, nothing of ours.
    writeFileSync(join(tmp, 'package.json'), JSON.stringify({ name: 'noop', private: true, scripts: { noop: 'node -e 0' } }));
    const hello = join(tmp, 'hello.bas');
    writeFileSync(hello, '10 PRINT "HELLO"\n20 END\n');
    timeMs('node', ['server/launch.mjs', 'job', hello], ROOT, 'HELLO'); // builds if stale; not timed
    const variants: Record<string, () => Promise<number> | number> = {
      npm_noop: () => timeMs('npm', ['run', '-s', 'noop'], tmp, ''),
      node_noop: () => timeMs('node', ['-e', '0'], tmp, ''),
      npm_job: () => timeMs('npm', ['run', '-s', 'job', '--', hello], ROOT, 'HELLO'),
      launch_job: () => timeMs('node', ['server/launch.mjs', 'job', hello], ROOT, 'HELLO'),
      built_job: () => timeMs('node', ['.build/job.js', hello], ROOT, 'HELLO'),
      tsx_job: () => timeMs('node', ['--import', 'tsx', 'server/job.ts', hello], ROOT, 'HELLO'),
      npm_start_listening: () => timeListen(join(tmp, `data-${Math.random().toString(36).slice(2)}`)),
    };
    const samples: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
    for (let r = 0; r < runs; r++) for (const [k, f] of Object.entries(variants)) samples[k]!.push(await f());
    const med = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, Math.round(median(v))]));
    for (const k of Object.keys(variants)) console.log(`${k.padEnd(20)} median ${String(med[k]).padStart(5)} ms   runs ${samples[k]!.map((x) => Math.round(x)).join(', ')}`);
    const overNpm = med.npm_job! - med.npm_noop!;
    console.log(`npm run -s job is ${overNpm} ms over npm's own start-up (target <= 150); without npm ${med.launch_job} ms (target <= 250); npm start listens after ${med.npm_start_listening} ms (target <= 600)`);
    console.log(JSON.stringify({ bench: 'start', runs, ...Object.fromEntries(Object.entries(med).map(([k, v]) => [`${k}_ms`, v])), job_over_npm_ms: overNpm }));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
