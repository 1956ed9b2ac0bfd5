// What every line and command shares: configuration, the store, the job table, the hub, the
// command registry, the program library and the table of lines in use.
import type { Logger } from 'pino';
import type { Store } from '../store/store.ts';
import type { Registry } from './commands/registry.ts';
import type { Hub } from './hub.ts';
import type { JobTable } from './jobs.ts';
import type { Hotel } from './hotel.ts';
import type { Session } from './session.ts';
import type { LoginThrottle, RegistrationLimiter } from './throttle.ts';
import type { HashGate } from './password.ts';
import type { Library } from '../library/library.ts';

export interface FrontendConfig {
  /** lines served at once; newcomers past it hear ALL LINES BUSY */
  maxLines: number;
  /** replaces the banner typed when a line connects */
  banner: string | null;
  /** unknown user names may register */
  register: boolean;
  /** scrypt cost for new passwords (a power of two) */
  scryptN: number;
  /** delay before the next attempt after a failed login (doubles with each further failure) */
  failDelayMs: number;
  /** password attempts per account per minute, from all addresses together (throttle.ts) */
  loginsPerAccount: number;
  /** password attempts per address per minute */
  loginsPerAddress: number;
  /** new accounts per address per hour, and in all per hour */
  registrationsPerAddress: number;
  registrationsPerHour: number;
  /** addresses exempt from the per-address limits (a classroom's NAT; tests on loopback) */
  trusted: string[];
  /** password hashes computed at once; the rest wait in order (password.ts HashGate) */
  hashConcurrency: number;
  /** lines from one address that have not logged in; past it a newcomer is refused */
  unauthPerAddress: number;
  /** lines kept for logins: lines not logged in may hold at most maxLines - lineReserve */
  lineReserve: number;
  /** a line that types nothing for this long before logging in is hung up */
  loginSilenceMs: number;
  /** a connection that has not finished the WebSocket handshake by then is closed */
  handshakeMs: number;
  /** connections mid-handshake from all addresses together; past it a newcomer takes the oldest
   *  place of the address holding the most */
  maxHandshakes: number;
  /** 'private' (default): SYSTAT shows others' users, programs and CPU as * to non-operators;
   *  'open': to everyone, as a classroom may prefer */
  systat: 'private' | 'open';
  /** commands one line may have carried out per second on average, with a burst of three
   *  seconds' worth; faster ones wait their turn (command-rate.ts). 0 = no limit */
  commandsPerSecond?: number;
  /** live jobs per user at once, unless the operator set the user's own (LIMIT) */
  maxJobsPerUser: number;
  /** words of core all of a user's jobs may hold or wait for */
  maxCorePerUser: number;
  /** words (characters) of saved programs and job output per user */
  storageQuota: number;
  /** ping interval; a peer that has not answered the previous ping is dropped */
  heartbeatMs: number;
  /** a line that has not logged in by then is hung up, so idle callers cannot hold every line */
  loginTimeoutMs: number;
  /** cycles per rated CPU second (from the mainframe's configuration) */
  ratedClock: number;
  /** output of a background job kept in its .OUT file, in characters (and of a detached job, kept for ATTACH) */
  maxJobOutput: number;
  /** a detached job not attached for this many hours is ended and its output saved as NAME.OUT */
  detachedHours: number;
  /** several hosts: a host whose heartbeat is this old (it did not stop in good order) is taken
   *  for crashed, and its jobs with snapshots may be taken over by their owners elsewhere */
  takeoverSeconds: number;
}

/** Hosts sharing one store (server/cluster/): what operator commands and SYSTAT need of them. */
export interface ClusterLink {
  /** this host's system name */
  readonly host: string;
  /** Types `text` on every line of every other host; returns the hosts it went to. */
  broadcast(text: string, by: string): Promise<string[]>;
  /** Hangs up line `line` of host `host` ('not in use': no such line in its last heartbeat). */
  hangup(host: string, line: number, by: string): Promise<'sent' | 'no such host' | 'not in use'>;
  /** SYSTAT's lines about the other hosts; `shown(user)`: may the viewer see that user's name,
   *  programs and CPU (else they print as *, as on this host). */
  systat(shown: (user: string | null) => boolean): Promise<string[]>;
  /** Asks host `host` to let `owner`'s job `job` go (put it away, for this host to claim):
   *  resolves null once it has, or why not. */
  release?(host: string, job: number, owner: string): Promise<string | null>;
}

export interface System {
  readonly config: FrontendConfig;
  readonly store: Store;
  readonly jobs: JobTable;
  /** detached jobs, snapshots in the store, restore at start */
  readonly hotel: Hotel;
  readonly hub: Hub;
  readonly commands: Registry;
  readonly library: Library;
  readonly log: Logger;
  readonly throttle: LoginThrottle;
  readonly registrations: RegistrationLimiter;
  readonly hashGate: HashGate;
  /** line number -> session, for the lines in use */
  readonly lines: Map<number, Session>;
  readonly startedAt: number;
  /** a hash nobody's password matches, checked for unknown names so timing reveals nothing */
  dummyHash(): Promise<string>;
  /** the other hosts sharing the store (null: this host alone, or not attached) */
  readonly cluster?: ClusterLink | null;
  /** why the system serves read-only (a damaged database), or null: logins work, nothing is
   *  written, no job runs */
  readonly readOnly: string | null;
  /** true once SIGTERM or SIGINT has begun the shutdown */
  readonly stopping: boolean;
}
