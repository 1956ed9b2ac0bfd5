// Slows password guessing and account creation. Everything here is decided BEFORE any password is
// hashed, and it counts attempts, not failures: a guesser who hangs up the moment an answer is late
// learns nothing and saves nothing, because the attempt was paid for when it was made.
//
// Logins: two token buckets per attempt, one for the address (one guesser trying many names) and
// one for the account (many addresses trying one name). An attempt with tokens in both goes ahead
// at once; one without waits for its token (reserving it, so waiting attempts stay in order), and
// one that would wait longer than `maxWaitMs` is refused with the time to try again, so a flood
// cannot queue work. On top, each failure recorded for the address or the account makes the next
// attempt from either wait longer (failDelayMs, doubling, at most failMaxMs): the classic delay,
// applied before hashing so that a fast "no" cannot be told from a slow "yes".
//
// Registrations: a bucket per address and one for the whole system.
//
// Memory is bounded: past `maxEntries` records the quiet ones go first, then addresses and names
// that are not accounts, oldest first. Records of real accounts are never evicted, so flooding the
// table with addresses cannot wipe an account's record (there is one per account at most).
//
// A web login (or any other door) uses the same object: attempt() before hashing, then failed() or
// succeeded() after.

export interface LoginLimits {
  /** password attempts per account per minute (steady rate) */
  accountPerMinute: number;
  /** password attempts per address per minute (steady rate) */
  addressPerMinute: number;
  /** an attempt that would wait longer than this is refused instead */
  maxWaitMs: number;
  /** delay before the attempt after a failure; doubles per further failure */
  failDelayMs: number;
  failMaxMs: number;
  /** failures this old are forgotten */
  forgetMs: number;
  /** addresses exempt from the per-address limits (e.g. a classroom's NAT, or tests on loopback) */
  trusted: readonly string[];
  /** records kept before quiet and non-account ones are evicted */
  maxEntries: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  // 8 a minute plus a burst of 2: at most 10 guesses in any minute, from any number of addresses
  accountPerMinute: 8,
  // a classroom behind one address logs in at about one student every two seconds
  addressPerMinute: 30,
  maxWaitMs: 15_000,
  failDelayMs: 250,
  failMaxMs: 10_000,
  forgetMs: 15 * 60_000,
  trusted: [],
  maxEntries: 10_000,
};

/** The burst a bucket of `perMinute` allows: a quarter of a minute's worth, at least 2. */
export function burstOf(perMinute: number): number {
  return Math.max(2, Math.ceil(perMinute / 4));
}

interface Rec {
  tokens: number;
  at: number;
  failures: number;
  lastFail: number;
  /** an account that exists: never evicted */
  keep: boolean;
  /** refusals not yet reported in the log, and when the last report was */
  refused: number;
  reportedAt: number;
}

/** One log line per refused account or address per this long, with the count since the last. */
export const REFUSAL_REPORT_MS = 60_000;

export type Verdict =
  | { ok: true; waitMs: number }
  | {
    ok: false; retryMs: number; why: 'address' | 'account';
    /** Log this refusal, with `refused` (this one and those held back since the last line), or
     *  null: already reported less than a minute ago. A guesser refused 2,000 times a second
     *  must not turn the log (and the thread writing it) into the attack's amplifier. */
    report: { refused: number } | null;
  };

/** A token bucket's refill: `rec.tokens` brought up to `now`. */
function refill(rec: Rec, perMinute: number, now: number): void {
  rec.tokens = Math.min(burstOf(perMinute), rec.tokens + ((now - rec.at) * perMinute) / 60_000);
  rec.at = now;
}

/** Counts a refusal; says whether (and with what count) it is time to log them. */
function report(rec: Rec, now: number): { refused: number } | null {
  rec.refused++;
  if (now - rec.reportedAt < REFUSAL_REPORT_MS) return null;
  const refused = rec.refused;
  rec.refused = 0;
  rec.reportedAt = now;
  return { refused };
}

/** ms until the bucket holds one whole token. */
function waitFor(rec: Rec, perMinute: number): number {
  return rec.tokens >= 1 ? 0 : Math.ceil(((1 - rec.tokens) * 60_000) / perMinute);
}

export class LoginThrottle {
  readonly limits: LoginLimits;
  private addresses = new Map<string, Rec>();
  private accounts = new Map<string, Rec>();

  constructor(limits: Partial<LoginLimits> = {}) {
    this.limits = { ...DEFAULT_LOGIN_LIMITS, ...limits };
  }

  private rec(map: Map<string, Rec>, key: string, perMinute: number, now: number, keep: boolean): Rec {
    let r = map.get(key);
    if (!r) {
      if (this.addresses.size + this.accounts.size >= this.limits.maxEntries) this.prune(now);
      r = { tokens: burstOf(perMinute), at: now, failures: 0, lastFail: 0, keep, refused: 0, reportedAt: -Infinity };
      map.set(key, r);
    }
    if (keep) r.keep = true;
    refill(r, perMinute, now);
    if (r.failures && now - r.lastFail > this.limits.forgetMs) r.failures = 0;
    return r;
  }

  private trusted(address: string): boolean {
    return this.limits.trusted.includes(address);
  }

  /** The pause a line has earned after `failures` failures of its own (a refusal counts as one). */
  pauseAfter(failures: number): number {
    return this.failDelay(failures);
  }

  private failDelay(failures: number): number {
    if (failures <= 0 || this.limits.failDelayMs === 0) return 0;
    return Math.min(this.limits.failMaxMs, this.limits.failDelayMs * 2 ** Math.min(30, failures - 1));
  }

  /**
   * Asks to check a password for `account` (the name as typed, resolved or not) from `address`.
   * `known`: the name is a real account. Call it before hashing; if ok, wait `waitMs`, then hash.
   */
  attempt(address: string, account: string, known: boolean, now = Date.now()): Verdict {
    const l = this.limits;
    const acct = this.rec(this.accounts, account, l.accountPerMinute, now, known);
    const addr = this.trusted(address) ? null : this.rec(this.addresses, address, l.addressPerMinute, now, false);
    const acctWait = waitFor(acct, l.accountPerMinute);
    const addrWait = addr ? waitFor(addr, l.addressPerMinute) : 0;
    if (acctWait > l.maxWaitMs) return { ok: false, retryMs: acctWait, why: 'account', report: report(acct, now) };
    if (addrWait > l.maxWaitMs) return { ok: false, retryMs: addrWait, why: 'address', report: report(addr!, now) };
    acct.tokens -= 1;
    if (addr) addr.tokens -= 1;
    const failWait = this.failDelay(Math.max(acct.failures, addr?.failures ?? 0));
    return { ok: true, waitMs: Math.max(acctWait, addrWait, failWait) };
  }

  /** The password was wrong (or the name unknown). Returns the address's failures so far. */
  failed(address: string, account: string, known: boolean, now = Date.now()): number {
    const acct = this.rec(this.accounts, account, this.limits.accountPerMinute, now, known);
    acct.failures++;
    acct.lastFail = now;
    if (this.trusted(address)) return acct.failures;
    const addr = this.rec(this.addresses, address, this.limits.addressPerMinute, now, false);
    addr.failures++;
    addr.lastFail = now;
    return addr.failures;
  }

  /** The right password: the account's failures are forgotten (the address's are not). */
  succeeded(account: string): void {
    const r = this.accounts.get(account);
    if (r) r.failures = 0;
  }

  failures(key: string): number {
    return this.addresses.get(key)?.failures ?? this.accounts.get(key)?.failures ?? 0;
  }

  get size(): number {
    return this.addresses.size + this.accounts.size;
  }

  private prune(now: number): void {
    const quiet = (r: Rec, perMinute: number) =>
      r.tokens + ((now - r.at) * perMinute) / 60_000 >= burstOf(perMinute) && (r.failures === 0 || now - r.lastFail > this.limits.forgetMs);
    for (const [k, r] of this.addresses) if (quiet(r, this.limits.addressPerMinute)) this.addresses.delete(k);
    for (const [k, r] of this.accounts) if (!r.keep && quiet(r, this.limits.accountPerMinute)) this.accounts.delete(k);
    const target = this.limits.maxEntries >> 1;
    if (this.addresses.size + this.accounts.size <= target) return;
    // still too many: the oldest addresses and non-accounts go; accounts' records stay
    const victims: [Map<string, Rec>, string, number][] = [];
    for (const [k, r] of this.addresses) victims.push([this.addresses, k, r.at]);
    for (const [k, r] of this.accounts) if (!r.keep) victims.push([this.accounts, k, r.at]);
    victims.sort((a, b) => a[2] - b[2]);
    let excess = this.addresses.size + this.accounts.size - target;
    for (const [map, k] of victims) {
      if (excess-- <= 0) break;
      map.delete(k);
    }
  }
}

/** A token bucket per key plus one for everything: account creation. */
export class RegistrationLimiter {
  private perAddress = new Map<string, { tokens: number; at: number }>();
  private global: { tokens: number; at: number };

  constructor(
    /** accounts per address per hour (also the burst) */
    private addressPerHour: number,
    /** accounts per hour in all (also the burst) */
    private globalPerHour: number,
    private trusted: readonly string[] = [],
    now = Date.now(),
  ) {
    this.global = { tokens: globalPerHour, at: now };
  }

  private fill(b: { tokens: number; at: number }, perHour: number, now: number): void {
    b.tokens = Math.min(perHour, b.tokens + ((now - b.at) * perHour) / 3_600_000);
    b.at = now;
  }

  /** null if `address` may create an account now, else the ms until it may. Takes nothing. */
  check(address: string, now = Date.now()): number | null {
    this.fill(this.global, this.globalPerHour, now);
    let wait = this.global.tokens >= 1 ? 0 : Math.ceil(((1 - this.global.tokens) * 3_600_000) / this.globalPerHour);
    if (!this.trusted.includes(address)) {
      const b = this.perAddress.get(address);
      if (b) {
        this.fill(b, this.addressPerHour, now);
        if (b.tokens < 1) wait = Math.max(wait, Math.ceil(((1 - b.tokens) * 3_600_000) / this.addressPerHour));
      }
    }
    return wait > 0 ? wait : null;
  }

  /** An account was created from `address`. */
  take(address: string, now = Date.now()): void {
    this.fill(this.global, this.globalPerHour, now);
    this.global.tokens -= 1;
    if (this.trusted.includes(address)) return;
    if (this.perAddress.size > 10_000) {
      for (const [k, b] of this.perAddress) {
        this.fill(b, this.addressPerHour, now);
        if (b.tokens >= this.addressPerHour) this.perAddress.delete(k);
      }
    }
    const b = this.perAddress.get(address) ?? { tokens: this.addressPerHour, at: now };
    this.fill(b, this.addressPerHour, now);
    b.tokens -= 1;
    this.perAddress.set(address, b);
  }
}
