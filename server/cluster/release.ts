// Letting one job go to another host: its owner typed ATTACH there, and that host asked this one
// (a 'release' notice, LISTEN/NOTIFY). The job is put away as an orderly stop puts away all of
// them (hotel.ts putAway): snapshotted between instructions, out of the mainframe, its row written
// and marked put away in one transaction; the asking host then claims it (one conditional UPDATE)
// and resumes it exactly where it stopped, under the same number. A line that had it as its
// foreground is told where it went and is READY again. Only the job's owner can ask: the notice
// names the owner, and the job must be theirs here (and the claim there checks it again).
import type { Logger } from 'pino';
import type { System } from '../frontend/system.ts';

/** Puts away `owner`'s job `n` for host `to`; null once it is, or why not (said to the owner there). */
export async function letGo(sys: System, n: number, owner: string, to: string, log: Logger): Promise<string | null> {
  const done = sys.hotel.done.get(n);
  if (done) {
    if (done.owner !== owner) return 'IT IS NOT YOURS';
    await sys.hotel.putAwayDone(n);
    log.info({ job: n, user: owner, to }, 'an ended job let go to another host');
    return null;
  }
  const j = sys.jobs.live.get(n);
  if (!j || j.owner !== owner) return 'IT IS NOT THERE NOW';
  // the line running it lets it go first: from here on what it types is kept for the other host
  const holder = [...sys.lines.values()].find((s) => s.fg === j);
  holder?.release(`*** JOB ${n} WAS TAKEN TO HOST ${to}.`, `taken to host ${to}`);
  return sys.hotel.putAway(j);
}
