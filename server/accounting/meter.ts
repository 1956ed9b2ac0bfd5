// Turns cumulative meter readings (the monitor's checkpoints, a session's connect time, saved words)
// into ledger entries that charge only what was used since the previous reading.
//
// Rounding: within a segment (one job or session, one kind, one rate), the amount charged so far
// is always round_half_up(quantity so far x rate), and each entry charges the difference. So a
// job's charge does not depend on how often it was checkpointed (a busy host checkpoints at other
// moments than an idle one) and never drifts by more than half a micro-dollar per segment. A new
// segment starts when the rate changes (a new schedule, or prime/off-prime); usage between two
// checkpoints is charged at the rate in force at the later one.
//
// Idempotency: an entry's key is subject/kind/cumulative reading. The same reading twice gives no
// entry (delta 0) in one meter and the same key across meters, so a replayed batch is ignored by
// the ledger. A meter that restarts mid-job must be seeded with the last charged reading.
import type { LedgerEntry } from '../store/ledger.ts';
import type { Meters } from '../monitor/protocol.ts';
import { type Kind, type RateBook, UNIT, price } from './rates.ts';

/** Who a charge belongs to. */
export interface Payer {
  user: string;
  session: string | null;
  job: string | null;
  jobNo: number | null;
  jobName: string | null;
}

interface Track {
  last: number;
  segKey: string;
  segBase: number;
  segCharged: number;
}

export class Meter {
  private readonly tracks = new Map<string, Track>();

  constructor(readonly rates: RateBook) {}

  /**
   * A cumulative reading of `kind` for `subject` (a job or session uid) at `at` ms. Returns the
   * entry charging the increase, or null if nothing new was used (including a replayed reading).
   */
  reading(subject: string, payer: Payer, kind: Kind, cum: number, at: number): LedgerEntry | null {
    if (!Number.isSafeInteger(cum) || cum < 0) throw new RangeError(`bad ${kind} reading for ${subject}: ${cum}`);
    const id = `${subject}/${kind}`;
    let t = this.tracks.get(id);
    if (!t) {
      t = { last: 0, segKey: '', segBase: 0, segCharged: 0 };
      this.tracks.set(id, t);
    }
    const quantity = cum - t.last;
    if (quantity <= 0) return null;
    const r = this.rates.rate(kind, at);
    const segKey = `${r.id}/${r.price}/${r.per}/${r.discount}`;
    if (segKey !== t.segKey) {
      t.segKey = segKey;
      t.segBase = t.last;
      t.segCharged = 0;
    }
    const charged = price(cum - t.segBase, r);
    const amount = charged - t.segCharged;
    t.segCharged = charged;
    t.last = cum;
    return {
      key: `${id}/${cum}`,
      user: payer.user,
      session: payer.session,
      job: payer.job,
      jobNo: payer.jobNo,
      jobName: payer.jobName,
      kind,
      quantity,
      unit: UNIT[kind],
      cum,
      rate: r.price,
      per: r.per,
      discount: r.discount,
      rateId: r.id,
      amount,
      at,
      day: this.rates.zone.day(at),
    };
  }

  /** A job checkpoint (or its end): CPU cycles and core-time, each charged for the increase. */
  job(payer: Payer & { job: string }, m: Meters, at: number): LedgerEntry[] {
    const out: LedgerEntry[] = [];
    const cpu = this.reading(payer.job, payer, 'cpu', m.cycles, at);
    if (cpu) out.push(cpu);
    const core = this.reading(payer.job, payer, 'core', m.coreWordMs, at);
    if (core) out.push(core);
    return out;
  }

  /** A session's connect time so far (ms since login). */
  connect(payer: Payer & { session: string }, connectedMs: number, at: number): LedgerEntry | null {
    return this.reading(payer.session, payer, 'connect', Math.max(0, Math.floor(connectedMs)), at);
  }

  /** One hour of storage for `words` saved words (word-hours): one entry per user per hour,
   *  whatever the replays. Sampled hourly, so space held for part of a day is paid for the hours
   *  it was held, not from one snapshot a day. */
  storage(user: string, words: number, at: number): LedgerEntry | null {
    if (!Number.isSafeInteger(words) || words <= 0) return null;
    const r = this.rates.rate('storage', at);
    const day = this.rates.zone.day(at);
    return {
      key: `storage/${user}/${day}/h${Math.floor(at / 3_600_000)}`,
      user,
      session: null,
      job: null,
      jobNo: null,
      jobName: null,
      kind: 'storage',
      quantity: words,
      unit: UNIT.storage,
      cum: null,
      rate: r.price,
      per: r.per,
      discount: r.discount,
      rateId: r.id,
      amount: price(words, r),
      at,
      day,
    };
  }

  /** After a restart: what the ledger already holds for this subject, so nothing is charged twice. */
  seed(subject: string, kind: Kind, cum: number): void {
    const id = `${subject}/${kind}`;
    const t = this.tracks.get(id);
    if (t && t.last >= cum) return;
    this.tracks.set(id, { last: cum, segKey: '', segBase: cum, segCharged: 0 });
  }

  /** The last reading charged (0 if none). */
  last(subject: string, kind: Kind): number {
    return this.tracks.get(`${subject}/${kind}`)?.last ?? 0;
  }

  /** A job or session has ended: drop its tracks. */
  forget(subject: string): void {
    for (const k of KIND_SUFFIXES) this.tracks.delete(subject + k);
  }

  get tracked(): number {
    return this.tracks.size;
  }
}

const KIND_SUFFIXES = ['/cpu', '/core', '/connect', '/storage'];
