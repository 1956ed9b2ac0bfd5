// Operator commands: BROADCAST and HANGUP.
import type { Command } from './registry.ts';

export const operatorCommands: Command[] = [
  {
    name: 'BROADCAST', usage: 'BROADCAST TEXT', help: 'type a message on every line', operator: true,
    run(ctx) {
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
      session.log.info({ lines: n }, 'broadcast');
      session.println(`SENT TO ${n} LINE${n === 1 ? '' : 'S'}.`);
    },
  },
  {
    name: 'HANGUP', usage: 'HANGUP N', help: 'hang up line N (its running job stops)', operator: true,
    run(ctx) {
      const { session, sys } = ctx;
      if (!/^\d{1,6}$/.test(ctx.args)) return session.println('HANGUP NEEDS A LINE NUMBER (SEE SYSTAT).');
      const n = Number(ctx.args);
      const target = sys.lines.get(n);
      if (!target) return session.println(`LINE ${n} IS NOT IN USE.`);
      if (target === session) return session.println('USE BYE TO HANG UP YOUR OWN LINE.');
      session.log.info({ target: n, targetUser: target.user }, 'hangup');
      target.hangup(`*** LINE HUNG UP BY OPERATOR ${session.user}.`, 'hangup');
      session.println(`LINE ${n} HUNG UP.`);
    },
  },
];
