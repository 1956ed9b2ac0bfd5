// Commands that run programs: RUN in the foreground, SUBMIT in the background, JOBS and KILL.
import { OutputCollector } from '../background.ts';
import { crlf, table } from '../format.ts';
import { langOf, outputName, programName } from '../names.ts';
import type { Command } from './registry.ts';
import { storageRoom } from './program.ts';
import { loadProgram } from './program.ts';
import { basicOptions } from './dialect.ts';

export const jobCommands: Command[] = [
  {
    name: 'RUN', usage: 'RUN [NAME]', help: 'run the current program here (RUN NAME: load NAME first, as OLD NAME; Ctrl-C stops it)',
    async run(ctx) {
      const { session, sys } = ctx;
      const ws = session.workspace;
      if (sys.stopping) return session.println('THE SYSTEM IS GOING DOWN. NO NEW JOBS.');
      // RUN NAME loads NAME (yours, or $NAME from the library) and runs it, as DTSS and BASIC-PLUS do
      if (ctx.args && !(await loadProgram(ctx, ctx.args))) return;
      if (ws.isText) return session.println(`${ws.name} IS A JOB'S OUTPUT, NOT A PROGRAM.`);
      if (ws.size === 0) return session.println('NO PROGRAM TO RUN. TYPE NUMBERED LINES, OR USE OLD.');
      const lang = ws.lang === 'asm' ? 'asm' : 'basic';
      await session.runForeground(ws.name ?? 'NONAME', lang, ws.source(), basicOptions(ws.dialect, ws.margin));
    },
  },
  {
    name: 'SUBMIT', usage: 'SUBMIT NAME', help: 'run a saved program in the background; output goes to NAME.OUT',
    async run(ctx) {
      const { session, sys } = ctx;
      if (sys.stopping) return session.println('THE SYSTEM IS GOING DOWN. NO NEW JOBS.');
      const r = programName(ctx.args);
      if ('error' in r) return session.println(ctx.args ? r.error : 'SUBMIT NEEDS THE NAME OF A SAVED PROGRAM.');
      const lang = langOf(r.name);
      if (lang === 'text') return session.println(`${r.name} IS A JOB'S OUTPUT, NOT A PROGRAM.`);
      const p = await sys.store.programs.get(session.user!, r.name);
      if (!p) return session.println(`NO SAVED PROGRAM ${r.name}. SAVE IT FIRST.`);
      const sink = new OutputCollector(sys.store, session.user!, p.name, sys.config.maxJobOutput, session.log, () => sys.stopping,
        async () => (await storageRoom(sys, session.user!, outputName(p.name))).left);
      const job = await sys.jobs.start({ owner: session.user!, line: null, name: p.name, lang, source: p.text, basic: basicOptions(p.dialect, session.workspace.margin), sink, session });
      if (typeof job === 'string') return session.println(job);
      session.println(`JOB ${job.job} SUBMITTED. ITS OUTPUT WILL BE SAVED AS ${sink.fileName}.`);
    },
  },
  {
    name: 'JOBS', usage: 'JOBS', help: 'list your jobs',
    async run(ctx) {
      const { session, sys } = ctx;
      const mine = [...sys.jobs.live.values()].filter((j) => j.owner === session.user);
      if (!mine.length) return session.println('NO JOBS.');
      const st = await sys.jobs.systat();
      const info = new Map((st?.jobs ?? []).map((j) => [j.job, j]));
      const rows = mine.map((j) => {
        const i = info.get(j.job);
        const cycles = i?.meters.cycles ?? j.lastMeters?.cycles ?? 0;
        return [j.job, j.name, j.line === null ? 'BACKGROUND' : `LINE ${j.line}`, (i?.state ?? j.state).toUpperCase(), (cycles / sys.config.ratedClock).toFixed(2)];
      });
      session.print(crlf(table(['JOB', 'PROGRAM', 'WHERE', 'STATE', 'CPU SEC'], rows, [true, false, false, false, true])));
    },
  },
  {
    name: 'KILL', usage: 'KILL N', help: 'stop job N (yours; operators: anyone\'s)',
    run(ctx) {
      const { session, sys } = ctx;
      if (!/^\d{1,9}$/.test(ctx.args)) return session.println('KILL NEEDS A JOB NUMBER (SEE JOBS).');
      const n = Number(ctx.args);
      const j = sys.jobs.live.get(n);
      if (!j || (j.owner !== session.user && !session.operator)) return session.println(`NO JOB ${n} OF YOURS.`);
      sys.jobs.kill(n, `killed by ${session.user}`);
      session.log.info({ job: n, owner: j.owner }, 'kill');
      session.println(`JOB ${n} KILLED.`);
    },
  },
];
