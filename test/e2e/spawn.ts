// Runs the real server (`node --import tsx server/main.ts`) as a child process on a free loopback
// port, and reads its address from the log line "timeshare listening on ws://...".
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SERVER_NODE_FLAGS } from '../../server/node-flags.ts';

export const ROOT = resolve(import.meta.dirname, '../..');

export interface ServerProcess {
  url: string;
  dir: string;
  child: ChildProcess;
  /** everything the server wrote to stdout (its JSON log lines) */
  stdout(): string;
  /** SIGTERM, then waits for the exit code */
  stop(): Promise<number | null>;
}

/** `paced`: the mainframe keeps its rated clock (the server's default); otherwise tests and
 *  benchmarks run it `--unthrottled`, flat out, so the suite stays fast. `nodeArgs`: flags for
 *  node itself (a benchmark's `--cpu-prof`). `built`: the bundle users run (`server/launch.mjs
 *  main`, rebuilt first if a source changed) instead of the sources through tsx: benchmarks measure
 *  that (tsx adds its loader thread and a naming call at every closure created, which a profile
 *  of the hostile bench showed as 12% of the mainframe thread); tests run the sources. */
export async function spawnServer(args: string[] = [], dir?: string, opts: { paced?: boolean; nodeArgs?: string[]; built?: boolean; hostPriority?: boolean } = {}): Promise<ServerProcess> {
  const data = dir ?? mkdtempSync(join(tmpdir(), 'timeshare-e2e-'));
  // built: as `npm start` runs it, with its node flags (server/node-flags.ts)
  const entry = opts.built ? [...SERVER_NODE_FLAGS, 'server/launch.mjs', 'main'] : ['--import', 'tsx', 'server/main.ts'];
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...entry, '--port', '0', '--data', data, '--scrypt-n', '16', '--fail-delay-ms', '10',
    // Tests are a crowded classroom on loopback: 127.0.0.1 is trusted (no per-address limits) and
    // accounts may log in often. Tests of the limits themselves connect from 127.0.0.2 and up.
    '--trust-address', '127.0.0.1', '--trust-address', '::ffff:127.0.0.1', '--logins-per-account', '600', '--registrations-per-hour', '100000',
    // tests watch each other's jobs in SYSTAT; the private default is tested with --systat private
    '--systat', 'open',
    // and a lab's users run more jobs at once than the default 8 (tests of the cap pass their own)
    '--max-jobs', '64',
    // With the JIT a tight loop uses the default 60 CPU seconds in well under a wall second; tests
    // whose jobs must outlive a SYSTAT or a Ctrl-C get 2,000 (a test may pass its own, later wins).
    '--cpu-limit', '20000000000', ...(opts.paced ? [] : ['--unthrottled']),
    // Tests keep the mainframe at nice 19, not the idle policy an unthrottled server takes by
    // default: beside the suite's other workers a SCHED_IDLE thread gets a fifth of what a nice-19
    // one gets. Benchmarks (built) and `hostPriority` (the test of the defaults) keep the server's.
    ...(opts.built || opts.hostPriority ? [] : ['--mainframe-priority', 'low']), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // never leave a half-started server behind
      reject(new Error(`server did not start: ${out}${err}`));
    }, 45_000); // (a loaded shared host has taken over 20 s to start one with tsx)
    const check = () => {
      const m = /timeshare listening on (ws:\/\/[\d.:]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', () => reject(new Error(`server exited: ${out}${err}`)));
  });
  return {
    url, dir: data, child,
    stdout: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      // the mainframe checks its job table's invariants under tests (TIMESHARE_CHECKS): fail by name
      const broken = /timeshare: invariant \S+ broken: .*/.exec(err);
      if (broken) throw new Error(`the server's mainframe broke an invariant: ${broken[0]}`);
      return code;
    },
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
