// Budgets across hosts: each host running a user's jobs holds a lease on part of the user's
// monthly budget and lets those jobs use no more than it (the mainframe stops them at it, to the
// cycle). A lease is granted in one transaction, under a lock per user, out of what the budget
// has left after everything charged (every host's ledger entries) and everything other hosts hold
// and have not yet charged; so the leases together never exceed the budget, and CPU and core can
// never be charged past it however many hosts run the user's jobs. A host asks again when its
// lease runs low, and gives back what it holds when the user's last job there ends.
//
// A lease is the most its host may charge the user in the month in all (`granted`, its ledger
// entries included): what it still holds is granted minus what it has charged, read from the
// ledger itself, so a charge is never counted twice or missed between the ledger and the lease.
import type { PgDb } from './pg-pool.ts';
import type { Lease, LeaseRequest, LeaseStore } from './store.ts';

// Migration 6 of pg-migrations.ts. Once shipped, never edit it.
export const PG_PURSES_SCHEMA = `
  CREATE TABLE purse_leases (
    user_name  TEXT NOT NULL,
    month      TEXT NOT NULL,              -- YYYY-MM in the rate zone
    host       TEXT NOT NULL,
    granted    BIGINT NOT NULL,            -- micro-dollars the host may charge the user this month, in all
    at         BIGINT NOT NULL,            -- ms since 1970: when it was last granted
    PRIMARY KEY (user_name, month, host)
  );
`;

export class PgPurses implements LeaseStore {
  constructor(private readonly db: PgDb) {}

  async lease(r: LeaseRequest): Promise<Lease> {
    return this.db.tx(async (c) => {
      // one grant at a time per user, on every host (a transaction-scoped advisory lock)
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`timeshare purse ${r.user}`]);
      const budget = (await c.query<{ budget: number | null }>('SELECT budget FROM accounts WHERE name = $1', [r.user])).rows[0]?.budget ?? null;
      if (budget === null) return { budget: null, granted: 0, used: 0, grant: 0 };
      const charged = new Map<string | null, number>();
      let total = 0;
      for (const row of (await c.query<{ host: string | null; t: number }>(`SELECT host, SUM(amount) AS t FROM ledger
        WHERE user_name = $1 AND day BETWEEN $2 AND $3 GROUP BY host`, [r.user, r.first, r.last])).rows) {
        charged.set(row.host, row.t);
        total += row.t;
      }
      let others = 0;
      let mine = 0;
      for (const l of (await c.query<{ host: string; granted: number; at: number; beat_at: number | null }>(`SELECT l.host, l.granted, l.at, h.beat_at
        FROM purse_leases l LEFT JOIN hosts h ON h.name = l.host WHERE l.user_name = $1 AND l.month = $2`, [r.user, r.month])).rows) {
        if (l.host === r.host) {
          mine = l.granted;
          continue;
        }
        // a host not heard from (no heartbeat, nor a grant) for staleMs is gone: its lease is void
        if (r.now - Math.max(l.beat_at ?? 0, l.at) > r.staleMs) continue;
        others += Math.max(0, l.granted - (charged.get(l.host) ?? 0));
      }
      // what this host has charged: the ledger's, and its charges not yet written (`pending`)
      const used = (charged.get(r.host) ?? 0) + r.pending;
      const held = Math.max(0, mine - used);
      const free = budget - total - r.pending - others - held;
      // a share of what is free, not all of it: half, but at least minGrant (when that much is free)
      const grant = Math.max(0, Math.min(free, Math.max(r.minGrant, Math.ceil(free / 2))));
      const granted = Math.max(mine, used) + grant;
      await c.query(`INSERT INTO purse_leases (user_name, month, host, granted, at) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (user_name, month, host) DO UPDATE SET granted = excluded.granted, at = excluded.at`, [r.user, r.month, r.host, granted, r.now]);
      return { budget, granted, used, grant };
    });
  }

  async release(user: string, month: string, host: string, granted: number): Promise<boolean> {
    // (unless it was granted more meanwhile: then the host has jobs of the user again)
    const r = await this.db.q('DELETE FROM purse_leases WHERE user_name = $1 AND month = $2 AND host = $3 AND granted = $4', [user, month, host, granted]);
    return r.rowCount === 1;
  }

  async releaseAll(host: string): Promise<void> {
    await this.db.q('DELETE FROM purse_leases WHERE host = $1', [host]);
  }

  async held(user: string, month: string): Promise<{ host: string; granted: number }[]> {
    return (await this.db.q<{ host: string; granted: number }>('SELECT host, granted FROM purse_leases WHERE user_name = $1 AND month = $2 ORDER BY host', [user, month])).rows;
  }
}
