// Operator commands: BROADCAST, HANGUP, LIMIT and CHECKPOINT.
import { userName } from '../names.ts';
import type { Command } from './registry.ts';

const LIMIT_KEYS = { JOBS: 'jobs', CORE: 'core', STORAGE: 'storage' } as const;

export const operatorCommands: Command[] = [
  {
    name: 'BROADCAST', usage: 'BROADCAST TEXT', help: 'type a message on every line (of every host)', operator: true,
    async run(ctx) {
      const { session, sys } = ctx;
      if (!ctx.args) return session.println('BROADCAST NEEDS A MESSAGE.');
      const text = `*** FROM OPERATOR ${session.user}: ${ctx.args}`;
      let n = 0;
      for (const s of sys.lines.values()) {
        if (s.line !== session.line) {
          s.notify(text);
          n++;
        }
      }
      // hosts sharing the store type it on their lines too (server/cluster/)
      const hosts = sys.cluster ? await sys.cluster.broadcast(ctx.args, session.user!) : [];
      session.log.info({ lines: n, hosts }, 'broadcast');
      session.println(`SENT TO ${n} LINE${n === 1 ? '' : 'S'}${hosts.length ? ` HERE AND TO HOST${hosts.length === 1 ? '' : 'S'} ${hosts.join(', ')}` : ''}.`);
    },
  },
  {
    name: 'HANGUP', usage: 'HANGUP [HOST] N', help: 'hang up line N (of another host: its name first); its running job is detached', operator: true,
    async run(ctx) {
      const { session, sys } = ctx;
      const m = /^(?:([A-Za-z][A-Za-z0-9-]{0,15})\s+)?(\d{1,6})$/.exec(ctx.args);
      if (!m) return session.println('HANGUP NEEDS A LINE NUMBER, AND FOR ANOTHER HOST ITS NAME FIRST (SEE SYSTAT).');
      const n = Number(m[2]);
      const host = m[1]?.toUpperCase();
      if (host !== undefined && host !== sys.cluster?.host) {
        if (!sys.cluster) return session.println(`NO HOST ${host}: THIS SYSTEM RUNS ALONE.`);
        const r = await sys.cluster.hangup(host, n, session.user!);
        session.log.info({ target: n, host, result: r }, 'hangup on another host');
        if (r === 'no such host') return session.println(`NO HOST ${host} (SEE SYSTAT).`);
        if (r === 'not in use') return session.println(`LINE ${n} OF ${host} WAS NOT IN USE AT ITS LAST HEARTBEAT; HANGUP SENT ANYWAY.`);
        return session.println(`HANGUP OF LINE ${n} SENT TO ${host}.`);
      }
      const target = sys.lines.get(n);
      if (!target) return session.println(`LINE ${n} IS NOT IN USE.`);
      if (target.line === session.line) return session.println('USE BYE TO HANG UP YOUR OWN LINE.');
      session.log.info({ target: n, targetUser: target.user }, 'hangup');
      target.hangup(`*** LINE HUNG UP BY OPERATOR ${session.user}.`, 'hangup');
      session.println(`LINE ${n} HUNG UP.`);
    },
  },
  {
    name: 'LIMIT', usage: 'LIMIT USER [JOBS N] [CORE WORDS] [STORAGE WORDS]', help: "show or set a user's limits (DEFAULT: the server's)", operator: true,
    async run(ctx) {
      const { session, sys } = ctx;
      const [rawUser, ...rest] = ctx.args.split(/\s+/).filter(Boolean);
      const usage = 'USAGE: LIMIT USER [JOBS N] [CORE WORDS] [STORAGE WORDS], EACH A NUMBER OR DEFAULT';
      if (!rawUser || rest.length % 2 !== 0) return session.println(usage);
      const u = userName(rawUser);
      if ('error' in u) return session.println(u.error);
      const set: { jobs?: number | null; core?: number | null; storage?: number | null } = {};
      for (let i = 0; i < rest.length; i += 2) {
        const key = LIMIT_KEYS[rest[i].toUpperCase() as keyof typeof LIMIT_KEYS];
        const v = rest[i + 1].toUpperCase();
        if (!key || !(v === 'DEFAULT' || /^\d{1,9}$/.test(v)) || v === '0') return session.println(usage);
        set[key] = v === 'DEFAULT' ? null : Number(v);
      }
      if (Object.keys(set).length && !(await sys.store.accounts.setLimits(u.name, set))) return session.println(`NO USER ${u.name}.`);
      sys.jobs.forgetLimits(u.name);
      const account = await sys.store.accounts.get(u.name);
      if (!account) return session.println(`NO USER ${u.name}.`);
      if (Object.keys(set).length) session.log.info({ target: u.name, limits: set }, 'limits set');
      const l = account.limits, c = sys.config;
      const show = (v: number | null, d: number) => (v === null ? `${d} (DEFAULT)` : String(v));
      session.println(`${u.name}: JOBS ${show(l.jobs, c.maxJobsPerUser)}, CORE ${show(l.core, c.maxCorePerUser)} WORDS, STORAGE ${show(l.storage, c.storageQuota)} WORDS.`);
    },
  },
  {
    name: 'CHECKPOINT', usage: 'CHECKPOINT', help: 'snapshot every job to the store now', operator: true,
    async run(ctx) {
      const { session, sys } = ctx;
      const t0 = Date.now();
      const n = await sys.hotel.checkpointAll(false);
      if (n === null) return session.println('THE MAINFRAME DID NOT ANSWER. NOTHING WAS SAVED.');
      session.log.info({ jobs: n, ms: Date.now() - t0 }, 'checkpoint');
      session.println(`${n} JOB${n === 1 ? '' : 'S'} SAVED IN ${((Date.now() - t0) / 1000).toFixed(2)} SECONDS.`);
    },
  },
];
