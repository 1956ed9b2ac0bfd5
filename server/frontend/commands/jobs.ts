// Commands that run programs: RUN in the foreground, SUBMIT in the background, JOBS and KILL,
// ATTACH (a detached job comes back to the line).
import { OutputCollector } from '../background.ts';
import { DetachedSink } from '../hotel.ts';
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
      // at the limit of live jobs: said before the program is fetched (a SUBMIT loop costs no store call)
      const refused = await sys.jobs.refusal(session.user!);
      if (refused) return session.println(refused);
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
    name: 'JOBS', usage: 'JOBS', help: 'list your jobs (running here, detached or in the background)',
    async run(ctx) {
      const { session, sys } = ctx;
      const mine = [...sys.jobs.live.values()].filter((j) => j.owner === session.user);
      const done = [...sys.hotel.done.values()].filter((d) => d.owner === session.user);
      if (!mine.length && !done.length && !sys.cluster) return session.println('NO JOBS.');
      const st = mine.length ? await sys.jobs.systat() : null;
      const info = new Map((st?.jobs ?? []).map((j) => [j.job, j]));
      const clock = sys.config.ratedClock;
      const rows = mine.map((j) => {
        const i = info.get(j.job);
        const cycles = i?.meters.cycles ?? j.lastMeters?.cycles ?? 0;
        const where = j.detached ? 'DETACHED' : j.line === null ? 'BACKGROUND' : `LINE ${j.line}`;
        return [j.job, j.name, where, (i ? `${i.state}${i.swapped ? ', swapped' : ''}` : j.state).toUpperCase(), (cycles / clock).toFixed(2)];
      });
      for (const d of done) rows.push([d.job, d.name, 'DETACHED', 'DONE', (d.end.meters.cycles / clock).toFixed(2)]);
      // several hosts on one store: the user's jobs on the others too, and where they are
      let away: string | null = null;
      if (sys.cluster && sys.hotel.elsewhere) {
        try {
          for (const e of await sys.hotel.elsewhere(session.user!)) {
            rows.push([e.job, e.name, `HOST ${e.host}`, e.state, (e.cycles / clock).toFixed(2)]);
            if (e.parked) away = 'A JOB PUT AWAY BY ITS HOST (PUT AWAY) CAN BE ATTACHED HERE.';
          }
        } catch {
          away = 'JOBS ON OTHER HOSTS CANNOT BE SHOWN: THE STORE IS UNAVAILABLE.';
        }
      }
      if (!rows.length) return session.println('NO JOBS.');
      rows.sort((a, b) => Number(a[0]) - Number(b[0]));
      session.print(crlf(table(['JOB', 'PROGRAM', 'WHERE', 'STATE', 'CPU SEC'], rows, [true, false, false, false, true])));
      if (away) session.println(away);
    },
  },
  {
    name: 'KILL', usage: 'KILL N', help: 'stop job N (yours; operators: anyone\'s)',
    run(ctx) {
      const { session, sys } = ctx;
      if (!/^\d{1,9}$/.test(ctx.args)) return session.println('KILL NEEDS A JOB NUMBER (SEE JOBS).');
      const n = Number(ctx.args);
      const j = sys.jobs.live.get(n);
      const done = sys.hotel.done.get(n);
      if (done && (done.owner === session.user || session.operator)) {
        sys.hotel.forgetDone(n, true);
        session.log.info({ job: n, owner: done.owner }, 'kill (ended detached job)');
        return session.println(`JOB ${n} HAD ENDED. ITS OUTPUT IS SAVED AS ${done.name}.OUT.`);
      }
      if (!j || (j.owner !== session.user && !session.operator)) return session.println(`NO JOB ${n} OF YOURS.`);
      // a detached job's output goes to NAME.OUT, as a background job's does
      if (j.sink instanceof DetachedSink) j.sink.saveOnEnd = true;
      sys.jobs.kill(n, `killed by ${session.user}`);
      session.log.info({ job: n, owner: j.owner }, 'kill');
      session.println(`JOB ${n} KILLED.`);
    },
  },
  {
    name: 'ATTACH', usage: 'ATTACH N', help: 'take back detached job N (yours): what it typed comes first, then it is yours to type to',
    async run(ctx) {
      const { session, sys } = ctx;
      if (!/^\d{1,9}$/.test(ctx.args)) return session.println('ATTACH NEEDS A JOB NUMBER (SEE JOBS).');
      const n = Number(ctx.args);
      const done = sys.hotel.done.get(n);
      if (done && done.owner === session.user) return session.attachDone(done);
      const j = sys.jobs.live.get(n);
      if (!j && sys.cluster && sys.hotel.claim) return attachFromStore(ctx, n);
      if (!j || j.owner !== session.user) return session.println(`NO DETACHED JOB ${n} OF YOURS.`);
      if (!j.detached) {
        if (j.line === null) return session.println(`JOB ${n} RUNS IN THE BACKGROUND; ITS OUTPUT WILL BE SAVED AS ${j.name}.OUT.`);
        const holder = [...sys.lines.values()].find((s) => s.fg === j);
        if (holder?.line === session.line) return session.println(`JOB ${n} IS ALREADY YOURS HERE.`);
        // As TOPS-10 did: attaching a job from another of your lines takes it from that line.
        holder?.release(`*** JOB ${n} WAS ATTACHED BY LINE ${session.line}.`, `attached by line ${session.line}`);
        if (!j.detached) return session.println(`JOB ${n} IS BUSY ON ANOTHER LINE. TRY AGAIN.`);
      }
      session.attach(j);
    },
  },
];

/**
 * ATTACH of a job this host does not run (several hosts on one store): a job its host put away
 * (an orderly stop) is claimed here, atomically, and goes on here; one running on another host is
 * attached there (a host lets its jobs go only by stopping in good order; README.md says why).
 */
async function attachFromStore(ctx: Parameters<Command['run']>[0], n: number): Promise<void> {
  const { session, sys } = ctx;
  let r;
  try {
    r = await sys.hotel.claim!(session.user!, n);
  } catch {
    return session.println('THE STORE IS UNAVAILABLE JUST NOW: JOBS ON OTHER HOSTS CANNOT BE TAKEN. TRY AGAIN IN A MINUTE.');
  }
  if (r !== null && 'elsewhere' in r && sys.cluster?.release) {
    // running on another host: that host is asked to put it away for this one (as its orderly
    // stop would), then it is claimed here like any job put away
    const from = r.elsewhere;
    session.println(`JOB ${n} RUNS ON HOST ${from}: ASKING IT TO LET THE JOB GO.`);
    const why = await sys.cluster.release(from, n, session.user!).catch(() => 'THE STORE IS UNAVAILABLE JUST NOW');
    if (why !== null) return session.println(`JOB ${n} STAYS ON HOST ${from} (${why}). ATTACH IT THERE.`);
    try {
      r = await sys.hotel.claim!(session.user!, n);
    } catch {
      return session.println(`THE STORE IS UNAVAILABLE JUST NOW: JOB ${n} IS PUT AWAY; TRY ATTACH ${n} AGAIN IN A MINUTE.`);
    }
  }
  if (r === null) return session.println(`NO DETACHED JOB ${n} OF YOURS.`);
  if ('elsewhere' in r) return session.println(`JOB ${n} RUNS ON HOST ${r.elsewhere}. ATTACH IT THERE.`);
  if ('refused' in r) return session.println(r.refused);
  if ('takenOver' in r) session.println(`HOST ${r.from} IS NOT HEARD FROM: JOB ${n} IS TAKEN OVER FROM ITS LAST SNAPSHOT THERE.`);
  else session.println(`JOB ${n} COMES FROM HOST ${r.from}.`);
  if ('done' in r) return session.attachDone(r.done);
  if (!r.live.detached) return session.println(`JOB ${n} GOES ON HERE IN THE BACKGROUND; ITS OUTPUT WILL BE SAVED AS ${outputName(r.live.name)}.`);
  session.attach(r.live);
}
