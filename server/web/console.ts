// The operator's console: the lines, the jobs, the mainframe's utilisation and load averages
// (pushed once a second over server-sent events while a console is open), revenue per day and the
// budgets; and the operator's actions BROADCAST, HANGUP, KILL and BUDGET, which do what the
// teletype commands of the same names do and are logged with the operator's name.
import type { Logger } from 'pino';
import type { ServerResponse } from 'node:http';
import type { Accountant } from '../accounting/accountant.ts';
import { formatMicros, parseDollars } from '../accounting/money.ts';
import { monthRange } from '../accounting/zone.ts';
import { userName } from '../frontend/names.ts';
import type { System } from '../frontend/system.ts';
import { HttpError } from './http.ts';
import type { Action, Ledgerish, Sample } from '../../shared/web-api.ts';

/** What the console needs of the front end beyond System. */
export interface ConsoleHost extends System {
  /** line -> when its peer last sent anything */
  readonly lastInput: ReadonlyMap<number, number>;
}

const TICK_MS = 1000;
const SLOW_MS = 10_000;
const MAX_STREAMS = 50;
const ACTIONS_KEPT = 100;
const MAX_BROADCAST = 200;

export class OperatorConsole {
  private streams = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | null = null;
  private prev: { idle: number; total: number } | null = null;
  private last: Sample | null = null;
  private slow: { at: number; value: Ledgerish } | null = null;
  readonly actions: Action[] = [];
  private ticks = 0;

  constructor(
    private sys: ConsoleHost,
    private acct: Accountant,
    private log: Logger,
  ) {}

  /** One sample of the live figures (asks the mainframe for SYSTAT). */
  async sample(): Promise<Sample> {
    const now = Date.now();
    const st = await this.sys.jobs.systat(2000);
    let utilisation: number | null = null;
    if (st) {
      if (this.prev && st.totalCycles > this.prev.total) {
        utilisation = 1 - (st.idleCycles - this.prev.idle) / (st.totalCycles - this.prev.total);
        utilisation = Math.min(1, Math.max(0, utilisation));
      }
      this.prev = { idle: st.idleCycles, total: st.totalCycles };
    }
    const clock = this.sys.config.ratedClock;
    const sample: Sample = {
      at: now,
      uptimeMs: now - this.sys.startedAt,
      utilisation,
      load: st ? st.load : null,
      utilisationAvg: st?.utilisation ?? null,
      core: st ? st.core : null,
      lines: [...this.sys.lines.values()].sort((a, b) => a.line - b.line).map((s) => ({
        line: s.line, user: s.user, address: s.address, since: s.loginAt ?? s.connectedAt,
        idleMs: now - (this.sys.lastInput.get(s.line) ?? s.connectedAt), state: s.state,
      })),
      jobs: (st?.jobs ?? []).map((j) => {
        // the snapshot age and detachment, where the job table keeps them (detached jobs and
        // snapshots: read by name, so the console works with or without them)
        const live = this.sys.jobs.live.get(j.job) as { snapshotAt?: number | null; detached?: boolean } | undefined;
        const snap = live?.snapshotAt ?? (j as { snapshotAt?: number }).snapshotAt;
        return {
          job: j.job, owner: j.owner, name: j.name, line: j.line, state: live?.detached ? `${j.state}, detached` : j.state, cpuSeconds: Math.round((j.meters.cycles / clock) * 100) / 100,
          coreWords: j.meters.coreWords, share: j.share ?? null, snapshotAgeMs: typeof snap === 'number' ? now - snap : null,
        };
      }),
    };
    this.last = sample;
    return sample;
  }

  /** Revenue per day this month and everyone's budget; recomputed at most every 10 s. */
  async ledgerish(force = false): Promise<Ledgerish> {
    const now = Date.now();
    if (!force && this.slow && now - this.slow.at < SLOW_MS) return this.slow.value;
    await this.acct.flush();
    const month = this.acct.rates.zone.day(now).slice(0, 7);
    const { last } = monthRange(month);
    const perDay = new Map<string, number>();
    for (let d = 1; d <= Number(last.slice(8)); d++) perDay.set(`${month}-${String(d).padStart(2, '0')}`, 0);
    const accounts = await this.sys.store.accounts.list();
    const budgets: Ledgerish['budgets'] = [];
    for (const a of accounts) {
      // the running sums "My bill" uses: no regrouping of every entry every ten seconds
      for (const d of (await this.acct.runningStatement(a.name, month)).byDay) perDay.set(d.day, (perDay.get(d.day) ?? 0) + d.amount);
      const st = await this.acct.budgetState(a.name, true);
      budgets.push({
        user: a.name, operator: a.operator, budget: st.budget, budgetText: st.budget === null ? null : formatMicros(st.budget),
        spent: st.spent, spentText: formatMicros(st.spent),
      });
    }
    const revenue = [...perDay].map(([day, amount]) => ({ day, amount, amountText: formatMicros(amount) }));
    const monthTotal = revenue.reduce((s, r) => s + r.amount, 0);
    const value = { revenue, monthTotal, monthTotalText: formatMicros(monthTotal), budgets };
    this.slow = { at: now, value };
    return value;
  }

  // ---- the live stream ----

  /** Starts a server-sent event stream on `res` (already past the operator check). */
  async stream(res: ServerResponse): Promise<void> {
    if (this.streams.size >= MAX_STREAMS) throw new HttpError(503, 'too many consoles open');
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.write('retry: 2000\n\n');
    this.streams.add(res);
    res.on('close', () => {
      this.streams.delete(res);
      if (this.streams.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    });
    const first = this.last && Date.now() - this.last.at < TICK_MS ? this.last : await this.sample();
    this.send(res, 'sample', first);
    this.send(res, 'ledger', await this.ledgerish());
    this.send(res, 'actions', this.actions);
    if (!this.timer) {
      this.timer = setInterval(() => void this.tick(), TICK_MS);
      this.timer.unref();
    }
  }

  private send(res: ServerResponse, event: string, data: unknown): void {
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private broadcastEvent(event: string, data: unknown): void {
    for (const r of this.streams) this.send(r, event, data);
  }

  private async tick(): Promise<void> {
    try {
      const s = await this.sample();
      this.broadcastEvent('sample', s);
      if (++this.ticks % (SLOW_MS / TICK_MS) === 0) this.broadcastEvent('ledger', await this.ledgerish());
    } catch (err) {
      this.log.error({ err }, 'console sample failed');
    }
  }

  /** Ends every stream (shutdown). */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const r of this.streams) r.end();
    this.streams.clear();
  }

  // ---- actions ----

  private record(by: string, action: Action['action'], detail: string, fields: object): void {
    const a: Action = { at: Date.now(), by, action, detail };
    this.actions.unshift(a);
    this.actions.length = Math.min(this.actions.length, ACTIONS_KEPT);
    this.log.info({ operator: by, action, ...fields }, `operator ${action.toLowerCase()} (web console)`);
    this.broadcastEvent('actions', this.actions);
  }

  broadcast(by: string, text: string): string {
    const msg = text.replace(/[\x00-\x1f\x7f]/g, ' ').trim();
    if (!msg) throw new HttpError(400, 'BROADCAST NEEDS A MESSAGE.');
    if (msg.length > MAX_BROADCAST) throw new HttpError(400, `A MESSAGE HAS AT MOST ${MAX_BROADCAST} CHARACTERS.`);
    const line = `*** FROM OPERATOR ${by}: ${msg}`;
    let n = 0;
    for (const s of this.sys.lines.values()) {
      s.notify(line);
      n++;
    }
    this.record(by, 'BROADCAST', `${msg} (${n} line${n === 1 ? '' : 's'})`, { lines: n, text: msg });
    return `SENT TO ${n} LINE${n === 1 ? '' : 'S'}.`;
  }

  hangup(by: string, raw: string): string {
    if (!/^\d{1,6}$/.test(raw)) throw new HttpError(400, 'HANGUP NEEDS A LINE NUMBER.');
    const n = Number(raw);
    const target = this.sys.lines.get(n);
    if (!target) throw new HttpError(404, `LINE ${n} IS NOT IN USE.`);
    this.record(by, 'HANGUP', `line ${n}${target.user ? ` (${target.user})` : ''}`, { target: n, targetUser: target.user });
    target.hangup(`*** LINE HUNG UP BY OPERATOR ${by}.`, 'hangup');
    return `LINE ${n} HUNG UP.`;
  }

  kill(by: string, raw: string): string {
    if (!/^\d{1,9}$/.test(raw)) throw new HttpError(400, 'KILL NEEDS A JOB NUMBER.');
    const n = Number(raw);
    const j = this.sys.jobs.live.get(n);
    if (!j) throw new HttpError(404, `NO JOB ${n}.`);
    this.sys.jobs.kill(n, `killed by ${by}`);
    this.record(by, 'KILL', `job ${n} (${j.owner}, ${j.name})`, { job: n, owner: j.owner });
    return `JOB ${n} KILLED.`;
  }

  async budget(by: string, rawUser: string, amount: string): Promise<string> {
    const u = userName(rawUser);
    if ('error' in u) throw new HttpError(400, u.error);
    let budget: number | null;
    if (/^\s*none\s*$/i.test(amount)) budget = null;
    else {
      const b = parseDollars(amount);
      if (b === undefined) throw new HttpError(400, `NOT AN AMOUNT: ${amount.slice(0, 20)} (DOLLARS, AT MOST 6 DECIMALS, OR NONE).`);
      budget = b;
    }
    if (!(await this.sys.store.accounts.setBudget(u.name, budget))) throw new HttpError(404, `NO USER ${u.name}.`);
    this.acct.setBudget(u.name, budget);
    this.record(by, 'BUDGET', `${u.name} ${budget === null ? 'none' : `$${formatMicros(budget)}`}`, { target: u.name, budget });
    this.slow = null;
    this.broadcastEvent('ledger', await this.ledgerish(true));
    return `${u.name}: BUDGET ${budget === null ? 'NONE (UNLIMITED)' : `$${formatMicros(budget)} A MONTH`}.`;
  }
}
