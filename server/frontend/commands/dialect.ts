// SYSTEM: the BASIC dialect of the current program, as DTSS chose a program's language with SYSTEM.
// The choice is saved with the program (SAVE, REPLACE), comes back with OLD, runs with RUN and
// SUBMIT, and stays for programs begun with NEW until changed.
import { DEFAULT_DIALECT, isDialect, type BasicOptions } from '../../basic/options.ts';
import type { Command } from './registry.ts';

/** The options a BASIC job runs with, from a program's saved (or chosen) dialect. */
export function basicOptions(dialect: string | null): BasicOptions {
  return dialect !== null && isDialect(dialect) ? { dialect } : {};
}

export const dialectCommands: Command[] = [
  {
    name: 'SYSTEM', usage: 'SYSTEM [ECMA55|EXTENDED]', help: 'show or choose the BASIC dialect of the current program',
    run(ctx) {
      const ws = ctx.session.workspace;
      const arg = ctx.args.toLowerCase();
      if (arg === '') {
        const d = ws.dialect !== null && isDialect(ws.dialect) ? ws.dialect : DEFAULT_DIALECT;
        return ctx.session.println(`SYSTEM ${d.toUpperCase()}${ws.name ? ` (${ws.name})` : ''}. SYSTEM ECMA55 OR SYSTEM EXTENDED CHANGES IT.`);
      }
      if (!isDialect(arg)) return ctx.session.println('SYSTEM ECMA55 (MINIMAL BASIC, EXACTLY) OR SYSTEM EXTENDED (THE 1970S BASICS, MAT).');
      if (ws.isText) return ctx.session.println(`${ws.name} IS A JOB'S OUTPUT, NOT A PROGRAM.`);
      if (ws.lang === 'asm') return ctx.session.println(`${ws.name} IS AN ASSEMBLY PROGRAM; SYSTEM CHOOSES A BASIC DIALECT.`);
      ws.dialect = arg;
      ctx.session.println(`SYSTEM ${arg.toUpperCase()}. SAVE OR REPLACE KEEPS IT WITH THE PROGRAM.`);
    },
  },
];
