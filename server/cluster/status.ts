// This host's status as the heartbeat writes it, and the other hosts' as SYSTAT prints them.
import { duration, stamp, table } from '../frontend/format.ts';
import type { System } from '../frontend/system.ts';
import type { HostStatus } from '../store/store.ts';

/** What this host tells the others (lines, jobs, load), taken now. */
export async function hostStatus(sys: System, host: string, boot: string, url: string): Promise<HostStatus> {
  const st = await sys.jobs.systat();
  const clock = sys.config.ratedClock;
  return {
    host, boot, url, startedAt: sys.startedAt, beatAt: Date.now(), maxLines: sys.config.maxLines,
    lines: [...sys.lines.values()].sort((a, b) => a.line - b.line).map((s) => ({ line: s.line, user: s.user, connectedAt: s.connectedAt, state: s.state })),
    jobs: (st?.jobs ?? []).map((j) => ({
      job: j.job, owner: j.owner, name: j.name, line: j.line, state: j.state.toUpperCase(), cpuSeconds: j.meters.cycles / clock, coreWords: j.meters.coreWords,
    })),
    load: st ? [...st.load] : null,
    core: st ? { ...st.core } : null,
  };
}

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 'S'}`;

/** SYSTAT's section for the other hosts sharing the store, from their last heartbeats. */
export function otherHostsText(hosts: readonly HostStatus[], self: string, now: number, staleMs: number, shown: (user: string | null) => boolean = () => true): string[] {
  const others = hosts.filter((h) => h.host !== self);
  const out: string[] = ['', `THIS IS HOST ${self}. ${others.length ? `${plural(others.length, 'OTHER HOST')} SHARE THE STORE:` : 'NO OTHER HOST SHARES THE STORE.'}`];
  for (const h of others) {
    const age = now - h.beatAt;
    out.push('');
    if (age > staleMs) {
      out.push(`HOST ${h.host}  ${h.url}  NOT HEARD FROM SINCE ${stamp(h.beatAt)} (DOWN?)`);
      continue;
    }
    out.push(`HOST ${h.host}  ${h.url}  UP ${duration(h.beatAt - h.startedAt)}  AS OF ${Math.max(0, Math.round(age / 1000))} SEC AGO`);
    out.push(h.load && h.core
      ? `LOAD AVERAGES ${h.load.map((x) => x.toFixed(2)).join(' ')}   CORE ${h.core.used}/${h.core.total} WORDS`
      : 'ITS MAINFRAME DID NOT ANSWER.');
    out.push(`${plural(h.lines.length, 'LINE')} IN USE (${h.maxLines} AT MOST):`);
    if (h.lines.length) {
      out.push(...table(['LINE', 'USER', 'CONNECTED', 'STATE'],
        h.lines.map((l) => [l.line, l.user === null ? '-' : shown(l.user) ? l.user : '*', duration(h.beatAt - l.connectedAt),
          shown(l.user) ? l.state : l.state.replace(/^RUN .*/, 'RUN')]), [true, false, true, false]));
    }
    out.push(`${plural(h.jobs.length, 'JOB')}:`);
    if (h.jobs.length) {
      out.push(...table(['JOB', 'USER', 'PROGRAM', 'LINE', 'STATE', 'CPU SEC', 'CORE'],
        h.jobs.map((j) => (shown(j.owner)
          ? [j.job, j.owner, j.name, j.line ?? 'BG', j.state, j.cpuSeconds.toFixed(2), j.coreWords]
          : [j.job, '*', '*', j.line ?? 'BG', j.state, '-', j.coreWords])),
        [true, false, false, true, false, true, true]));
    }
  }
  return out;
}
