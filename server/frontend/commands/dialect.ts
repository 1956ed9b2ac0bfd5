// SYSTEM: the BASIC dialect of the current program, as DTSS chose a program's language with SYSTEM.
// The choice is saved with the program (SAVE, REPLACE), comes back with OLD, runs with RUN and
// SUBMIT, and stays for programs begun with NEW until changed.
import { DEFAULT_DIALECT, DEFAULT_MARGIN, isDialect, MAX_MARGIN, MIN_MARGIN, type BasicOptions } from '../../basic/options.ts';
import type { Command } from './registry.ts';

/** The options a BASIC job runs with, from a program's saved (or chosen) dialect and the line's margin. */
export function basicOptions(dialect: string | null, margin: number | null = null): BasicOptions {
  return { ...(dialect !== null && isDialect(dialect) ? { dialect } : {}), ...(margin !== null ? { margin } : {}) };
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
  {
    // The terminal's width, not the program's: it lasts for the session and is not saved.
    name: 'MARGIN', usage: 'MARGIN [N]', help: `show or set the column BASIC output folds at (${MIN_MARGIN} TO ${MAX_MARGIN})`,
    run(ctx) {
      const ws = ctx.session.workspace;
      if (ctx.args === '') return ctx.session.println(`MARGIN ${ws.margin ?? DEFAULT_MARGIN}.`);
      const n = Number(ctx.args);
      if (!/^\d+$/.test(ctx.args) || n < MIN_MARGIN || n > MAX_MARGIN) return ctx.session.println(`MARGIN TAKES A WHOLE NUMBER FROM ${MIN_MARGIN} TO ${MAX_MARGIN} (72 IS AN ASR-33'S).`);
      ws.margin = n;
      ctx.session.println(`MARGIN ${n}.`);
    },
  },
];
