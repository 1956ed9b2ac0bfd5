// Operator commands: BROADCAST and HANGUP.
import type { Command } from './registry.ts';

export const operatorCommands: Command[] = [
  {
    name: 'BROADCAST', usage: 'BROADCAST TEXT', help: 'type a message on every line (of every host)', operator: true,
    async run(ctx) {
      const { session, sys } = ctx;
      if (!ctx.args) return session.println('BROADCAST NEEDS A MESSAGE.');
      const text = `*** FROM OPERATOR ${session.user}: ${ctx.args}`;
      let n = 0;
      for (const s of sys.lines.values()) {
        if (s !== session) {
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
    name: 'HANGUP', usage: 'HANGUP [HOST] N', help: 'hang up line N (of another host: its name first)', operator: true,
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
      if (target === session) return session.println('USE BYE TO HANG UP YOUR OWN LINE.');
      session.log.info({ target: n, targetUser: target.user }, 'hangup');
      target.hangup(`*** LINE HUNG UP BY OPERATOR ${session.user}.`, 'hangup');
      session.println(`LINE ${n} HUNG UP.`);
    },
  },
];
