// HELP, SYSTAT and BYE.
import { crlf, duration, stamp, table } from '../format.ts';
import type { Command } from './registry.ts';
import { SPEEDS } from '../output.ts';
import { charsPerSecond } from '../../../shared/pacer.ts';

/** 10000000 -> "10.00" */
function mhz(hz: number): string {
  return (hz / 1e6).toFixed(hz % 10_000 === 0 ? 2 : 6);
}

export const systemCommands: Command[] = [
  {
    name: 'HELP', usage: 'HELP', help: 'this list',
    run(ctx) {
      const list = ctx.sys.commands.list(ctx.session.operator);
      const width = Math.max(...list.map((c) => c.usage.length));
      ctx.session.print(crlf([
        'COMMANDS (ANY CASE):',
        ...list.map((c) => `  ${c.usage.padEnd(width)}  ${c.help.toUpperCase()}${c.operator ? ' (OPERATORS)' : ''}`),
        'A LINE STARTING WITH A NUMBER ENTERS OR REPLACES THAT LINE; A NUMBER ALONE DELETES IT.',
        'RUBOUT OR BACKSPACE ERASES A CHARACTER, CTRL-U THE LINE, CTRL-C STOPS A RUNNING PROGRAM.',
        'CTRL-D DETACHES A RUNNING PROGRAM: IT GOES ON WITHOUT THE TERMINAL; ATTACH N TAKES IT BACK.',
        'A JOB ALSO GOES ON WHEN THE LINE DROPS OR THE SYSTEM RESTARTS.',
      ]));
    },
  },
  {
    name: 'SYSTAT', usage: 'SYSTAT', help: 'lines, jobs, uptime and load',
    async run(ctx) {
      const { session, sys } = ctx;
      const now = Date.now();
      const st = await sys.jobs.systat();
      const lines = [...sys.lines.values()].sort((a, b) => a.line - b.line);
      const pct = (x: number): string => `${Math.round(x * 100)}%`;
      // Others' names, programs and CPU are theirs: a non-operator sees them as * unless the site
      // chose an open SYSTAT (--systat open), as a classroom may.
      const shown = (owner: string | null) => sys.config.systat === 'open' || session.operator || owner === session.user;
      const lineState = (s: (typeof lines)[number]) => (shown(s.user) ? s.state : s.state.replace(/^RUN .*/, 'RUN'));
      const out = [
        `TIMESHARE SYSTAT  ${stamp(now)}  UP ${duration(now - sys.startedAt)}`,
        ...(st
          ? [
              `RATED CLOCK ${mhz(st.ratedClock ?? sys.config.ratedClock)} MHZ, ${st.paced === false ? 'UNTHROTTLED' : 'PACED: 1 CPU SECOND = 1 SECOND OF THE WHOLE MACHINE'}`,
              `UTILISATION ${(st.utilisation ?? [0, 0, 0]).map(pct).join(' ')}   LOAD AVERAGES ${st.load.map((x) => x.toFixed(2)).join(' ')}   (1, 5, 15 MIN)`,
              `CORE ${st.core.used}/${st.core.total} WORDS`,
            ]
          : ['THE MAINFRAME DID NOT ANSWER.']),
        '',
        `${lines.length} LINE${lines.length === 1 ? '' : 'S'} IN USE (${sys.config.maxLines} AT MOST):`,
        ...table(['LINE', 'USER', 'CONNECTED', 'STATE'], lines.map((s) => [s.line, s.user === null ? '-' : shown(s.user) ? s.user : '*', duration(now - s.connectedAt), lineState(s)]), [true, false, true, false]),
      ];
      const jobs = st?.jobs ?? [];
      out.push('', `${jobs.length} JOB${jobs.length === 1 ? '' : 'S'}:`);
      if (jobs.length) {
        // SHARE: the job's part of the machine's cycles over the last second or two; SNAPSHOT: when
        // the job was last saved to the store; LINE DET: detached
        out.push(...table(['JOB', 'USER', 'PROGRAM', 'LINE', 'STATE', 'CPU SEC', 'CORE', 'SHARE', 'SNAPSHOT'],
          jobs.map((j) => {
            const live = sys.jobs.live.get(j.job);
            const line = live?.detached ? 'DET' : (live?.line ?? j.line) === null ? 'BG' : (live?.line ?? j.line)!;
            const snap = live?.snapshotAt ? stamp(live.snapshotAt).slice(11, 19) : '-';
            // swapped out: its words are in the store, it holds (and pays for) no core
            const state = `${j.state}${j.swapped ? ', swapped' : ''}`.toUpperCase();
            return shown(j.owner)
              ? [j.job, j.owner, j.name, line, state, (j.meters.cycles / sys.config.ratedClock).toFixed(2), j.meters.coreWords, pct(j.share ?? 0), snap]
              : [j.job, '*', '*', line, state, '-', j.meters.coreWords, pct(j.share ?? 0), snap];
          }),
          [true, false, false, true, false, true, true, true, false]));
      }
      const done = [...sys.hotel.done.values()];
      if (done.length) out.push('', `${done.length} DETACHED JOB${done.length === 1 ? '' : 'S'} ENDED, WAITING FOR ATTACH: ${done.map((d) => (shown(d.owner) ? `${d.job} (${d.owner})` : `${d.job}`)).join(', ')}`);
      if (sys.cluster) out.push(...(await sys.cluster.systat(shown))); // the other hosts sharing the store, same privacy
      session.print(crlf(out));
    },
  },
  {
    name: 'SPEED', usage: 'SPEED [BAUD]', help: 'show or set the line speed: 110, 300, 1200 ... or 0 (unpaced)',
    run(ctx) {
      const { session } = ctx;
      const say = (baud: number): string => baud === 0
        ? 'SPEED 0: UNPACED (AS FAST AS THE NETWORK).'
        : `SPEED ${baud} BAUD: ${charsPerSecond(baud)} CHARACTERS A SECOND.`;
      if (ctx.args === '') return session.println(say(session.out.baud));
      if (!/^\d{1,6}$/.test(ctx.args) || !session.setSpeed(Number(ctx.args))) {
        return session.println(`SPEED ${ctx.args.slice(0, 12).toUpperCase()} IS NOT OFFERED. SPEEDS: ${SPEEDS.join(' ')} (0 = UNPACED).`);
      }
      session.println(say(session.out.baud));
    },
  },
  {
    name: 'BYE', aliases: ['GOODBYE'], usage: 'BYE', help: 'log off (also GOODBYE)',
    async run(ctx) {
      const { session, sys } = ctx;
      const detached = sys.hotel.detachedOf(session.user!);
      if (detached.length) {
        const list = detached.map((d) => `${d.job} ${d.name}${d.done ? ' (DONE)' : ''}`).join(', ');
        session.println(`YOUR DETACHED JOB${detached.length === 1 ? '' : 'S'} ${list} ${detached.length === 1 ? 'GOES' : 'GO'} ON WITHOUT YOU; LOG IN AND ATTACH ${detached.length === 1 ? 'IT' : 'THEM'} LATER.`);
      }
      for (const t of await sys.hub.ask('beforeBye', session)) session.print(t.endsWith('\n') ? t : t + '\r\n');
      session.hangup(`${session.user} LOGGED OFF AT ${stamp(Date.now())}. GOODBYE.`, 'bye');
    },
  },
];
