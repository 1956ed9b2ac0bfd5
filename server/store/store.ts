// The store's narrow, asynchronous interface: accounts, saved programs, the ledger (its types live
// in ledger.ts) and what hosts sharing one store tell each other (heartbeats and notices).
// Everything above this room talks to these types only; SQLite (sqlite.ts, the embedded default)
// and PostgreSQL (postgres.ts, several hosts on one database) both implement them, and one test
// suite (test/store/contract.test.ts) runs against both.
import type { Ledger } from './ledger.ts';
import type { HotelStore } from './hotel.ts';

export type ProgramLang = 'basic' | 'asm' | 'text';

export interface Account {
  name: string;
  /** encoded scrypt hash with its parameters (see server/frontend/password.ts) */
  password: string;
  operator: boolean;
  /** micro-dollars; null = unlimited */
  budget: number | null;
  createdAt: number;
  lastLogin: number | null;
  /** this user's own limits (null: the server's defaults); set by operators */
  limits: UserLimits;
}

/** Per-user bounds an operator may set; null means the server's default. */
export interface UserLimits {
  /** live jobs at once (foreground, background, detached) */
  jobs: number | null;
  /** words of core all the user's jobs may hold or wait for */
  core: number | null;
  /** words (characters) of saved programs and job output */
  storage: number | null;
}

export interface ProgramInfo {
  name: string;
  lang: ProgramLang;
  /** characters of text */
  size: number;
  savedAt: number;
}

export interface Program extends ProgramInfo {
  owner: string;
  text: string;
  /** the BASIC dialect the program is compiled in ('ecma55', 'extended'); null: the default */
  dialect: string | null;
}

export type SaveResult = 'saved' | 'replaced' | 'duplicate';
export type RenameResult = 'renamed' | 'missing' | 'duplicate';

export interface AccountStore {
  get(name: string): Promise<Account | null>;
  /** false when the name is taken */
  create(a: { name: string; password: string; operator?: boolean; budget?: number | null }): Promise<boolean>;
  /** Records a login now and returns the previous login time (null: first login). */
  recordLogin(name: string, at: number): Promise<number | null>;
  /** false when there is no such account */
  setBudget(name: string, budget: number | null): Promise<boolean>;
  /** Sets the limits given (null: back to the default; absent: unchanged). false: no such account. */
  setLimits(name: string, limits: Partial<UserLimits>): Promise<boolean>;
  setPassword(name: string, password: string): Promise<boolean>;
  list(): Promise<Account[]>;
}

/** Every call is scoped to one owner: a user can reach only their own rows. */
export interface ProgramStore {
  list(owner: string): Promise<ProgramInfo[]>;
  get(owner: string, name: string): Promise<Program | null>;
  /** replace=false refuses to overwrite ('duplicate'); replace=true overwrites or creates. */
  save(owner: string, p: { name: string; lang: ProgramLang; text: string; dialect?: string | null }, replace: boolean): Promise<SaveResult>;
  /** false when there was no such program */
  delete(owner: string, name: string): Promise<boolean>;
  rename(owner: string, from: string, to: string, lang: ProgramLang): Promise<RenameResult>;
}

/** What a host last said about itself (SYSTAT's view of the other hosts). */
export interface HostStatus {
  /** the system name (`--system-name`) */
  host: string;
  /** this run of the host (a host restarted under the same name gets a new one) */
  boot: string;
  url: string;
  startedAt: number;
  /** when the host wrote this (ms since the epoch, the host's clock) */
  beatAt: number;
  maxLines: number;
  lines: { line: number; user: string | null; connectedAt: number; state: string }[];
  jobs: { job: number; owner: string; name: string; line: number | null; state: string; cpuSeconds: number; coreWords: number }[];
  /** the mainframe's load averages, null when it did not answer */
  load: number[] | null;
  core: { used: number; total: number } | null;
}

/** A message from one host to the others (operator commands that reach every host). */
export type Notice =
  | { kind: 'broadcast'; from: string; by: string; text: string }
  | { kind: 'hangup'; from: string; by: string; host: string; line: number }
  /** `from` asks `host` to let `owner`'s job go (its owner typed ATTACH on `from`) */
  | { kind: 'release'; from: string; host: string; job: number; owner: string; req: string }
  /** the answer: the job is put away for `host` to claim (error null), or why not */
  | { kind: 'released'; from: string; host: string; job: number; req: string; error: string | null };

export interface ClusterStore {
  /** Records this host's status (insert or replace its row). */
  beat(status: HostStatus): Promise<void>;
  /** Every host's last status, by name. */
  hosts(): Promise<HostStatus[]>;
  /** Removes a host's row (it stopped in good order). */
  forget(host: string): Promise<void>;
  /** Sends a notice to every host listening on this store, the sender included. */
  notify(n: Notice): Promise<void>;
  /** Hears notices until the returned function is called. */
  listen(fn: (n: Notice) => void): () => void;
}

/** A host's request for (more of) a user's monthly budget (server/store/pg-purses.ts). */
export interface LeaseRequest {
  user: string;
  host: string;
  /** YYYY-MM, and its first and last days, in the rate zone */
  month: string;
  first: string;
  last: string;
  /** micro-dollars this host has charged the user and not yet written to the ledger */
  pending: number;
  /** the least worth granting when that much is free (micro-dollars) */
  minGrant: number;
  /** the host's clock, ms; and how long a host may go unheard before its leases are void */
  now: number;
  staleMs: number;
}

export interface Lease {
  /** the user's budget (null: unlimited; nothing is leased then) */
  budget: number | null;
  /** what this host may charge the user this month, in all (micro-dollars) */
  granted: number;
  /** what it had charged when granted (ledger + pending) */
  used: number;
  /** what this request added */
  grant: number;
}

/** Leases on users' budgets, one per user, month and host (several hosts on one store). */
export interface LeaseStore {
  lease(r: LeaseRequest): Promise<Lease>;
  /** Gives a lease back, unless it was granted more meanwhile (its `granted` changed). */
  release(user: string, month: string, host: string, granted: number): Promise<boolean>;
  /** Every lease of a host (at its start: what an earlier run of it held is void). */
  releaseAll(host: string): Promise<void>;
  held(user: string, month: string): Promise<{ host: string; granted: number }[]>;
}

export interface Store {
  /** 'sqlite' or 'postgres' */
  readonly kind: string;
  /** where it is, for logs and messages (no password) */
  readonly where: string;
  readonly accounts: AccountStore;
  readonly programs: ProgramStore;
  readonly ledger: Ledger;
  readonly cluster: ClusterStore;
  /** The database's own integrity check (SQLite: PRAGMA quick_check): a plain description of each
   *  problem found, or an empty list when it is sound. Run once at start. */
  check?(): Promise<string[]>;
  /** job snapshots and kept workspaces (server/store/hotel.ts) */
  readonly hotel: HotelStore;
  /** leases on budgets, for several hosts on one store (PostgreSQL); absent: one host */
  readonly leases?: LeaseStore;
  /** Job numbers, unique for the life of the system (kept in the store, never reused): reserves
   *  `count` consecutive numbers (default 1) and returns the first. */
  nextJobNumber(count?: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * The store cannot be reached (the database server is down or unreachable). Callers tell the user
 * in plain words and keep going: lines echo and jobs run without the store.
 */
export class StoreUnavailableError extends Error {
  readonly code = 'STORE_UNAVAILABLE';
  /**
   * @param inDoubt the request may have reached the store (and a write committed) before the
   *   connection broke; false when it certainly did not (no connection could be made)
   */
  constructor(cause?: unknown, readonly inDoubt = true) {
    super(`the store is unavailable${cause instanceof Error ? `: ${cause.message}` : ''}`, { cause });
    this.name = 'StoreUnavailableError';
  }
}

export function isStoreUnavailable(err: unknown): boolean {
  return err instanceof StoreUnavailableError || (err as { code?: unknown } | null)?.code === 'STORE_UNAVAILABLE';
}

/** What a teletype user hears when a command needs the store and it is away. */
export const STORE_UNAVAILABLE = 'THE STORE IS UNAVAILABLE JUST NOW: LOGINS, SAVE, OLD AND BILL MUST WAIT. RUNNING JOBS GO ON. TRY AGAIN IN A MINUTE.';
