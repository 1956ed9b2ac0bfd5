// The server's command-line options (`npm start -- --help`).
import { parseArgs } from 'node:util';
import { DEFAULT_PORT } from '../../shared/wire.ts';
import { DEFAULT_CONFIG, type MonitorConfig } from '../monitor/config.ts';
import { isPowerOfTwo, DEFAULT_SCRYPT_N } from './password.ts';
import { DEFAULT_FRONTEND, type ServerOptions } from './server.ts';
import { storeSpec } from '../store/open.ts';
import { hostname } from 'node:os';

/** A system name: a letter, then letters, digits or hyphens, 16 at most, upper case (bills print it). */
export function systemName(given: string | undefined, machine = hostname()): string {
  if (given !== undefined) {
    const n = given.trim().toUpperCase();
    if (!/^[A-Z][A-Z0-9-]{0,15}$/.test(n)) throw new Error(`--system-name must be a letter then up to 15 letters, digits or hyphens, not "${given}"`);
    return n;
  }
  // the machine's name, made into a system name (a host name may hold dots and lower case)
  const n = machine.split('.')[0]!.toUpperCase().replace(/[^A-Z0-9-]/g, '').replace(/^[^A-Z]+/, '').slice(0, 16);
  return n || 'TIMESHARE';
}

export interface MainOptions {
  server: ServerOptions;
  data: string;
  /** the store: a folder for SQLite (default: --data) or a postgres:// URL (--store, $TIMESHARE_STORE) */
  store: string;
  /** this host's name among hosts sharing one store (--system-name) */
  systemName: string;
  pretty: boolean;
  logLevel: string;
  mainframe: Partial<MonitorConfig>;
  /** the rate file (server/accounting/rates.default.json when absent) */
  rates?: string;
  /** behind a TLS-terminating reverse proxy: Secure cookies, client address from X-Forwarded-For */
  trustProxy: boolean;
  /** the mainframe thread's place in the host's scheduler (main.ts): idle (default), low, normal */
  mainframePriority: MainframePriority;
  /** the lines' thread's time slice in µs (thread-slice.ts); 0 leaves the kernel's */
  linesSliceUs: number;
}

export type MainframePriority = 'idle' | 'low' | 'normal';

/** The lines' thread's slice unless told (µs): longer than most of its turns (about 130 µs each
 *  under 1,000 typists), shorter than the kernel's 0.7-3 ms default. */
export const DEFAULT_LINES_SLICE_US = 300;

export const USAGE = `usage: npm start -- [options]
  --host HOST         address to listen on (default 127.0.0.1; anything else is reachable from
                      other machines, and ws:// sends passwords in clear text)
  --port N            port (default ${DEFAULT_PORT}; 0 = any free port)
  --data DIR          where timeshare.db lives (default ./data)
  --store SPEC        postgres://USER:PASS@HOST:PORT/DB keeps accounts, programs and the ledger in
                      PostgreSQL, shared by every host on it (default: $TIMESHARE_STORE, else
                      SQLite in --data)
  --system-name NAME  this host's name among hosts sharing a store (default: the machine's name);
                      bills, SYSTAT and operator messages say which host
  --max-lines N       terminal lines served at once (default ${DEFAULT_FRONTEND.maxLines}); past it: ALL LINES BUSY
  --banner TEXT       replaces the banner typed when a line connects
  --no-register       unknown user names may not register (accounts come from npm run admin)
  --pretty            human-readable logs instead of JSON lines
  --log-level LEVEL   pino level (default info)
  --quantum CYCLES    mainframe scheduling quantum
  --core WORDS        mainframe core memory
  --cpu-limit CYCLES  per-job CPU limit
  --output-limit N    per-job output limit in characters
  --rated-clock HZ    the rated clock: cycles per CPU second (default 10000000); the machine
                      executes at most this many cycles per wall second, the rest counted idle
  --unthrottled       run the mainframe flat out instead (benchmarks); meters and bills are
                      the same cycles either way
  --mainframe-priority low|idle|normal
                      the mainframe thread's priority on the host (Linux): low is nice 19;
                      idle adds the SCHED_IDLE policy (any thread that wakes takes the core at
                      once); normal is the server's own. Default: idle
  --lines-slice US    the time slice the lines' thread asks of the kernel (Linux 6.12 and later),
                      in microseconds, 100 to 100000: a woken line answers sooner; its share of
                      the cores stays the same. 0 leaves the kernel's. Default: ${DEFAULT_LINES_SLICE_US}
  --detached-hours H  a detached job not attached for H hours is ended, its output saved as NAME.OUT (default ${DEFAULT_FRONTEND.detachedHours})
  --snapshot-s S      snapshot every job after each S seconds of its CPU, for recovery after a crash (default ${DEFAULT_CONFIG.snapshotSeconds})
  --takeover-s S      several hosts: a host not heard from for S seconds is taken for crashed; its
                      jobs' owners may ATTACH them elsewhere, from their last snapshots (default ${DEFAULT_FRONTEND.takeoverSeconds})
  --swap-residence-ms MS  when jobs wait for core, jobs idle (waiting for input or asleep) are swapped
                      out to the store, longest idle first, once they have held core this long
                      (default ${DEFAULT_CONFIG.swapResidenceMs})
  --no-swap           never swap jobs out (jobs then wait for core until others end)
  --rates FILE        the rate schedule (default server/accounting/rates.default.json)
  --scrypt-n N        scrypt cost for new passwords (power of two, default ${DEFAULT_SCRYPT_N}; tests use tiny ones)
  --fail-delay-ms N   first delay after a failed login from an address (default ${DEFAULT_FRONTEND.failDelayMs}; doubles per failure)
  --heartbeat-ms N    ping interval; silent peers are dropped (default ${DEFAULT_FRONTEND.heartbeatMs})
  --logins-per-account N       password attempts per account per minute, all addresses together (default ${DEFAULT_FRONTEND.loginsPerAccount})
  --logins-per-address N       password attempts per address per minute (default ${DEFAULT_FRONTEND.loginsPerAddress})
  --registrations-per-address N  new accounts per address per hour (default ${DEFAULT_FRONTEND.registrationsPerAddress})
  --registrations-per-hour N   new accounts per hour in all (default ${DEFAULT_FRONTEND.registrationsPerHour})
  --trust-address ADDR         exempt ADDR from the per-address limits (repeatable; e.g. a classroom's NAT)
  --unauth-per-address N       lines from one address not yet logged in (default ${DEFAULT_FRONTEND.unauthPerAddress})
  --line-reserve N             lines kept for logins: lines not logged in hold at most max-lines - N (default a tenth of --max-lines)
  --login-timeout-ms N         a line must log in within N ms (default ${DEFAULT_FRONTEND.loginTimeoutMs})
  --login-silence-ms N         a line typing nothing for N ms before login is hung up (default ${DEFAULT_FRONTEND.loginSilenceMs})
  --handshake-ms N             a connection must finish its WebSocket handshake in N ms (default ${DEFAULT_FRONTEND.handshakeMs})
  --max-handshakes N           connections mid-handshake from all addresses together (default ${DEFAULT_FRONTEND.maxHandshakes})
  --commands-per-second N      commands one line has carried out per second, 3 s worth at once; faster ones
                               wait their turn (default ${DEFAULT_FRONTEND.commandsPerSecond}; 0 = no limit)
  --trust-proxy                behind a TLS-terminating reverse proxy: web cookies are Secure, and the
                               web's client address is the last X-Forwarded-For hop
  --systat private|open        private (default): SYSTAT shows other users, their programs and CPU as * to non-operators
  --max-jobs N                 live jobs per user (default ${DEFAULT_FRONTEND.maxJobsPerUser}; LIMIT sets a user's own)
  --max-core-per-user WORDS    core all of a user's jobs may hold (default ${DEFAULT_FRONTEND.maxCorePerUser})
  --storage-quota WORDS        characters of saved programs and output per user (default ${DEFAULT_FRONTEND.storageQuota})`;

function int(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || !Number.isSafeInteger(Number(v))) throw new Error(`--${name} must be a whole number >= ${min}, not "${v}"`);
  return Number(v);
}

function systatMode(v: string | undefined): 'private' | 'open' {
  if (v === undefined) return DEFAULT_FRONTEND.systat;
  if (v !== 'private' && v !== 'open') throw new Error(`--systat must be private or open, not "${v}"`);
  return v;
}

/** Parses argv; throws an Error with a plain message on bad input. `null` means --help. */
export function parseOptions(argv: string[]): MainOptions | null {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
      data: { type: 'string', default: './data' },
      store: { type: 'string' },
      'system-name': { type: 'string' },
      'max-lines': { type: 'string' },
      banner: { type: 'string' },
      'no-register': { type: 'boolean', default: false },
      pretty: { type: 'boolean', default: false },
      'log-level': { type: 'string', default: 'info' },
      quantum: { type: 'string' },
      core: { type: 'string' },
      'cpu-limit': { type: 'string' },
      'output-limit': { type: 'string' },
      'rated-clock': { type: 'string' },
      unthrottled: { type: 'boolean', default: false },
      'mainframe-priority': { type: 'string' },
      'lines-slice': { type: 'string' },
      'detached-hours': { type: 'string' },
      'snapshot-s': { type: 'string' },
      'takeover-s': { type: 'string' },
      'swap-residence-ms': { type: 'string' },
      'no-swap': { type: 'boolean', default: false },
      rates: { type: 'string' },
      'scrypt-n': { type: 'string' },
      'fail-delay-ms': { type: 'string' },
      'heartbeat-ms': { type: 'string' },
      'logins-per-account': { type: 'string' },
      'logins-per-address': { type: 'string' },
      'registrations-per-address': { type: 'string' },
      'registrations-per-hour': { type: 'string' },
      'trust-address': { type: 'string', multiple: true },
      'unauth-per-address': { type: 'string' },
      'line-reserve': { type: 'string' },
      'login-timeout-ms': { type: 'string' },
      'login-silence-ms': { type: 'string' },
      'handshake-ms': { type: 'string' },
      'max-handshakes': { type: 'string' },
      'commands-per-second': { type: 'string' },
      'trust-proxy': { type: 'boolean', default: false },
      systat: { type: 'string' },
      'max-jobs': { type: 'string' },
      'max-core-per-user': { type: 'string' },
      'storage-quota': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return null;
  const scryptN = int('scrypt-n', values['scrypt-n'], 2) ?? DEFAULT_SCRYPT_N;
  if (!isPowerOfTwo(scryptN)) throw new Error(`--scrypt-n must be a power of two, not ${scryptN}`);
  const port = int('port', values.port, 0) ?? DEFAULT_PORT;
  if (port > 65535) throw new Error(`--port must be at most 65535`);
  const mainframe: Partial<MonitorConfig> = {};
  const q = int('quantum', values.quantum, 1);
  if (q !== undefined) mainframe.quantum = q;
  const core = int('core', values.core, 1024);
  if (core !== undefined) mainframe.coreWords = core;
  const cpu = int('cpu-limit', values['cpu-limit'], 1);
  if (cpu !== undefined) mainframe.cpuLimit = cpu;
  const outLimit = int('output-limit', values['output-limit'], 1);
  if (outLimit !== undefined) mainframe.outputLimit = outLimit;
  const clock = int('rated-clock', values['rated-clock'], 1);
  if (clock !== undefined) mainframe.ratedClock = clock;
  if (values.unthrottled) mainframe.paced = false;
  const snap = int('snapshot-s', values['snapshot-s'], 1);
  if (snap !== undefined) mainframe.snapshotSeconds = snap;
  // The server keeps swapped jobs' images in its store (frontend/jobs.ts, hotel.ts), so it swaps.
  mainframe.swap = !values['no-swap'];
  const residence = int('swap-residence-ms', values['swap-residence-ms'], 1);
  if (residence !== undefined) mainframe.swapResidenceMs = residence;
  let detachedHours = DEFAULT_FRONTEND.detachedHours;
  const dh = values['detached-hours'];
  if (dh !== undefined) {
    // fractions allowed (0.5 = 30 minutes): tests and classrooms want short ones
    if (!/^\d+(\.\d+)?$/.test(dh) || !(Number(dh) > 0)) throw new Error(`--detached-hours must be a number of hours > 0, not "${dh}"`);
    detachedHours = Number(dh);
  }
  return {
    data: values.data!,
    store: storeSpec(values.store, values.data!),
    systemName: systemName(values['system-name']),
    pretty: values.pretty!,
    logLevel: values['log-level']!,
    mainframe,
    rates: values.rates,
    trustProxy: values['trust-proxy']!,
    // flat out, the mainframe takes every idle cycle of the host, so it must give a core back the
    // moment a line's thread wakes (measured: hostile flat-out echo p99 7.1-11.4 ms under idle
    // against 17.5-27.3 at nice 19, three alternating rounds); paced, it uses a tenth of a core
    mainframePriority: mainframePriority(values['mainframe-priority'] ?? 'idle'),
    linesSliceUs: linesSlice(values['lines-slice']),
    server: {
      ...DEFAULT_FRONTEND,
      host: values.host!,
      port,
      maxLines: int('max-lines', values['max-lines'], 1) ?? DEFAULT_FRONTEND.maxLines,
      banner: values.banner ?? null,
      register: !values['no-register'],
      scryptN,
      failDelayMs: int('fail-delay-ms', values['fail-delay-ms'], 0) ?? DEFAULT_FRONTEND.failDelayMs,
      heartbeatMs: int('heartbeat-ms', values['heartbeat-ms'], 100) ?? DEFAULT_FRONTEND.heartbeatMs,
      loginsPerAccount: int('logins-per-account', values['logins-per-account'], 1) ?? DEFAULT_FRONTEND.loginsPerAccount,
      loginsPerAddress: int('logins-per-address', values['logins-per-address'], 1) ?? DEFAULT_FRONTEND.loginsPerAddress,
      registrationsPerAddress: int('registrations-per-address', values['registrations-per-address'], 1) ?? DEFAULT_FRONTEND.registrationsPerAddress,
      registrationsPerHour: int('registrations-per-hour', values['registrations-per-hour'], 1) ?? DEFAULT_FRONTEND.registrationsPerHour,
      trusted: values['trust-address'] ?? [],
      unauthPerAddress: int('unauth-per-address', values['unauth-per-address'], 1) ?? DEFAULT_FRONTEND.unauthPerAddress,
      // a tenth of the lines unless told: 200 of the default 2,000
      lineReserve: int('line-reserve', values['line-reserve'], 0) ?? Math.floor((int('max-lines', values['max-lines'], 1) ?? DEFAULT_FRONTEND.maxLines) / 10),
      loginTimeoutMs: int('login-timeout-ms', values['login-timeout-ms'], 100) ?? DEFAULT_FRONTEND.loginTimeoutMs,
      loginSilenceMs: int('login-silence-ms', values['login-silence-ms'], 100) ?? DEFAULT_FRONTEND.loginSilenceMs,
      handshakeMs: int('handshake-ms', values['handshake-ms'], 100) ?? DEFAULT_FRONTEND.handshakeMs,
      maxHandshakes: int('max-handshakes', values['max-handshakes'], 16) ?? DEFAULT_FRONTEND.maxHandshakes,
      commandsPerSecond: int('commands-per-second', values['commands-per-second'], 0) ?? DEFAULT_FRONTEND.commandsPerSecond,
      systat: systatMode(values.systat),
      maxJobsPerUser: int('max-jobs', values['max-jobs'], 1) ?? DEFAULT_FRONTEND.maxJobsPerUser,
      maxCorePerUser: int('max-core-per-user', values['max-core-per-user'], 1024) ?? DEFAULT_FRONTEND.maxCorePerUser,
      storageQuota: int('storage-quota', values['storage-quota'], 1) ?? DEFAULT_FRONTEND.storageQuota,
      ratedClock: clock ?? DEFAULT_FRONTEND.ratedClock,
      detachedHours,
      takeoverSeconds: int('takeover-s', values['takeover-s'], 1) ?? DEFAULT_FRONTEND.takeoverSeconds,
    },
  };
}

function linesSlice(v: string | undefined): number {
  if (v === undefined) return DEFAULT_LINES_SLICE_US;
  const n = Number(v);
  if (/^\d+$/.test(v) && (n === 0 || (n >= 100 && n <= 100_000))) return n;
  throw new Error(`--lines-slice is 0 or 100 to 100000 microseconds, not "${v}"`);
}

function mainframePriority(v: string): MainframePriority {
  if (v === 'idle' || v === 'low' || v === 'normal') return v;
  throw new Error(`--mainframe-priority is idle, low or normal, not "${v}"`);
}
