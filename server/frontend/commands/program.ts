// Commands on the workspace and the user's saved programs (and the shared library).
import { isStoreUnavailable } from '../../store/store.ts';
import { crlf, stamp, table } from '../format.ts';
import { langOf, programName } from '../names.ts';
import { MAX_LINE_NUMBER } from '../workspace.ts';
import type { Command, CommandContext } from './registry.ts';

/** A validated program name from the arguments, or null after telling the user what is wrong. */
function nameArg(ctx: CommandContext, fallback: string | null = null): string | null {
  const raw = ctx.args || fallback;
  if (!raw) {
    ctx.session.println(`${ctx.keyword} NEEDS A PROGRAM NAME.`);
    return null;
  }
  if (/\s/.test(raw)) {
    ctx.session.println(`ONE NAME, PLEASE: ${ctx.keyword} NAME`);
    return null;
  }
  const r = programName(raw);
  if ('error' in r) {
    ctx.session.println(r.error);
    return null;
  }
  return r.name;
}

async function save(ctx: CommandContext, replace: boolean): Promise<void> {
  const { session, sys } = ctx;
  const ws = session.workspace;
  if (ctx.args) {
    session.println(`${ctx.keyword} SAVES THE CURRENT PROGRAM UNDER ITS NAME. USE RENAME TO CHANGE THE NAME.`);
    return;
  }
  if (!ws.name) {
    session.println('NO PROGRAM NAME. USE NEW NAME OR RENAME NAME FIRST.');
    return;
  }
  let r;
  try {
    const text = ws.source();
    // Every user is bounded: a per-user storage quota (operators: LIMIT USER STORAGE WORDS)
    const room = await storageRoom(sys, session.user!, ws.name);
    if (text.length > room.left) {
      session.println(`${ws.name} WAS NOT SAVED: IT HAS ${text.length} CHARACTERS AND YOUR OTHER FILES ${room.used}; YOUR QUOTA IS ${room.quota}.`, 'UNSAVE SOMETHING FIRST (SEE CATALOG). YOUR PROGRAM IS STILL HERE.');
      return;
    }
    r = await sys.store.programs.save(session.user!, { name: ws.name, lang: ws.lang, text, dialect: ws.lang === 'basic' ? ws.dialect : null }, replace);
  } catch (err) {
    // the store's transaction rolled back (disk busy, full or read-only) or the database server is
    // away: say which; the workspace is kept
    session.log.error({ err }, 'save failed');
    if (isStoreUnavailable(err)) return session.println(`${ws.name} WAS NOT SAVED: THE STORE IS UNAVAILABLE JUST NOW. YOUR PROGRAM IS STILL HERE; TRY AGAIN IN A MINUTE.`);
    if (sys.readOnly !== null) return session.println(`${ws.name} WAS NOT SAVED: THE SYSTEM IS READ-ONLY (${sys.readOnly}). YOUR PROGRAM IS STILL HERE.`);
    session.println(`${ws.name} WAS NOT SAVED: THE DISK IS BUSY OR FULL. NOTHING WAS CHANGED; YOUR PROGRAM IS STILL HERE. TRY AGAIN SHORTLY.`);
    return;
  }
  if (r === 'duplicate') session.println(`DUPLICATE NAME: ${ws.name} IS ALREADY SAVED. USE REPLACE TO OVERWRITE IT.`);
  else session.println(`${ws.name} ${r === 'replaced' ? 'REPLACED' : 'SAVED'}.`);
}

/** A user's storage quota (words: characters of saved files) and what files other than `name` use. */
export async function storageRoom(sys: { store: CommandContext['sys']['store']; config: CommandContext['sys']['config'] }, owner: string, name: string): Promise<{ quota: number; used: number; left: number }> {
  const quota = (await sys.store.accounts.get(owner))?.limits.storage ?? sys.config.storageQuota;
  let used = 0;
  for (const p of await sys.store.programs.list(owner)) if (p.name !== name) used += p.size;
  return { quota, used, left: quota - used };
}

function parseRange(args: string): { from: number; to: number } | null {
  if (args === '') return { from: 1, to: MAX_LINE_NUMBER };
  const m = /^(\d*)\s*(?:(-)\s*(\d*))?$/.exec(args);
  if (!m || (m[1] === '' && m[3] === undefined)) return null;
  const from = m[1] === '' ? 1 : Number(m[1]);
  const to = m[2] ? (m[3] ? Number(m[3]) : MAX_LINE_NUMBER) : from;
  return from <= to ? { from, to } : null;
}

/** Loads a saved program (or `$NAME` from the library) into the workspace; false after saying why not. */
export async function loadProgram(ctx: CommandContext, arg: string): Promise<boolean> {
  const { session, sys } = ctx;
  if (arg.startsWith('$')) {
    const lib = await sys.library.read(arg.slice(1).trim());
    if (!lib) {
      session.println(`NO LIBRARY PROGRAM ${arg.toUpperCase().slice(0, 20)}. TYPE LIBRARY FOR THE LIST.`);
      return false;
    }
    const r = session.workspace.load(lib.entry.name, lib.entry.lang, lib.text);
    session.println(r.ok ? `${lib.entry.name} LOADED FROM THE LIBRARY.` : `LIBRARY PROGRAM DAMAGED: ${r.error}`);
    return r.ok;
  }
  const name = nameArg({ ...ctx, args: arg });
  if (!name) return false;
  const p = await sys.store.programs.get(session.user!, name);
  if (!p) {
    session.println(`NO SAVED PROGRAM ${name}. TYPE CATALOG FOR YOURS.`);
    return false;
  }
  const r = session.workspace.load(p.name, p.lang, p.text, p.dialect);
  session.println(r.ok ? `${p.name} LOADED.` : `${p.name} COULD NOT BE LOADED: ${r.error}`);
  return r.ok;
}

export const programCommands: Command[] = [
  {
    name: 'NEW', usage: 'NEW NAME', help: 'start a new program (NAME.S: assembly, else BASIC)',
    run(ctx) {
      const name = nameArg(ctx);
      if (!name) return;
      if (langOf(name) === 'text') return ctx.session.println('.OUT NAMES ARE KEPT FOR JOB OUTPUT. CHOOSE ANOTHER NAME.');
      ctx.session.workspace.reset(name);
      ctx.session.println(`NEW ${langOf(name) === 'asm' ? 'ASSEMBLY' : 'BASIC'} PROGRAM ${name}.`);
    },
  },
  {
    name: 'OLD', usage: 'OLD NAME  or  OLD $NAME', help: 'load a saved program ($NAME: from the library)',
    async run(ctx) {
      if (!ctx.args) return ctx.session.println(`${ctx.keyword} NEEDS A PROGRAM NAME.`);
      await loadProgram(ctx, ctx.args);
    },
  },
  {
    name: 'SAVE', usage: 'SAVE', help: 'save the current program (refuses to overwrite)',
    run: (ctx) => save(ctx, false),
  },
  {
    name: 'REPLACE', usage: 'REPLACE', help: 'save the current program over the saved one',
    run: (ctx) => save(ctx, true),
  },
  {
    name: 'UNSAVE', usage: 'UNSAVE NAME', help: 'delete a saved program',
    async run(ctx) {
      const name = nameArg(ctx);
      if (!name) return;
      const gone = await ctx.sys.store.programs.delete(ctx.session.user!, name);
      ctx.session.println(gone ? `${name} UNSAVED.` : `NO SAVED PROGRAM ${name}.`);
    },
  },
  {
    name: 'RENAME', usage: 'RENAME NAME', help: 'give the current program a new name',
    run(ctx) {
      const name = nameArg(ctx);
      if (!name) return;
      const ws = ctx.session.workspace;
      if (ws.isText) return ctx.session.println('JOB OUTPUT CANNOT BE RENAMED.');
      if (langOf(name) === 'text') return ctx.session.println('.OUT NAMES ARE KEPT FOR JOB OUTPUT. CHOOSE ANOTHER NAME.');
      ws.name = name;
      ctx.session.println(`CURRENT PROGRAM IS NOW ${name} (${ws.lang === 'asm' ? 'ASSEMBLY' : 'BASIC'}).`);
    },
  },
  {
    name: 'LIST', usage: 'LIST [FROM[-TO]]', help: 'type the current program, or some of its lines',
    run(ctx) {
      const { session } = ctx;
      const ws = session.workspace;
      const range = parseRange(ctx.args);
      if (!range) return session.println('LIST, LIST 10, LIST 10-50, LIST 10- OR LIST -50');
      if (!ws.name && ws.size === 0) return session.println('NO CURRENT PROGRAM. USE NEW OR OLD.');
      const lines = ws.listing(range.from, range.to);
      // in pieces, each once the line has room: a terminal that stops reading holds only this command
      return session.printLong(crlf([`${ws.name ?? 'NO NAME'}    ${stamp(Date.now())}`, '', ...lines]));
    },
  },
  {
    name: 'SCRATCH', usage: 'SCRATCH', help: 'erase the lines of the current program, keep its name',
    run(ctx) {
      ctx.session.workspace.scratch();
      ctx.session.println('SCRATCHED.');
    },
  },
  {
    name: 'CATALOG', aliases: ['CAT'], usage: 'CATALOG', help: 'list your saved programs and job output',
    async run(ctx) {
      const list = await ctx.sys.store.programs.list(ctx.session.user!);
      if (!list.length) return ctx.session.println('NO SAVED PROGRAMS.');
      const kind = { basic: 'BASIC', asm: 'ASM', text: 'OUTPUT' } as const;
      ctx.session.print(crlf(table(['NAME', 'KIND', 'CHARS', 'SAVED'], list.map((p) => [p.name, kind[p.lang], p.size, stamp(p.savedAt)]), [false, false, true, false])));
    },
  },
  {
    name: 'LIBRARY', aliases: ['LIB'], usage: 'LIBRARY', help: 'list the shared program library (load one with OLD $NAME)',
    async run(ctx) {
      const list = await ctx.sys.library.list();
      if (!list.length) return ctx.session.println('THE LIBRARY IS EMPTY.');
      ctx.session.print(crlf([...table(['NAME', 'KIND', 'WHAT IT IS'], list.map((e) => ['$' + e.name, e.lang === 'asm' ? 'ASM' : 'BASIC', e.title.toUpperCase()])), 'LOAD ONE WITH OLD $NAME.']));
    },
  },
];
