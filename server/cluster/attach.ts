// Hosts sharing one store: each writes a heartbeat (its lines, jobs and load) every BEAT_MS for
// the others' SYSTAT, and hears the others' notices (an operator's BROADCAST, or HANGUP of a line
// on another host), delivered by the store (LISTEN/NOTIFY on PostgreSQL). The front end reaches
// this through System.cluster only; without it (tests, a bare front end) the commands stay local.
import type { Logger } from 'pino';
import type { ClusterLink, System } from '../frontend/system.ts';
import { isStoreUnavailable, STORE_UNAVAILABLE, type HostStatus, type Notice, type Store } from '../store/store.ts';
import { hostStatus, otherHostsText } from './status.ts';
import { letGo } from './release.ts';

export const BEAT_MS = 2000;
/** A host not heard from for this many beats (30 s) is shown as down: generous, as a host under
 *  heavy load may beat late, and a live host shown as down would mislead the operator. */
const STALE_BEATS = 15;
/** How long ATTACH waits for another host to let a job go (it snapshots and writes one job). */
const RELEASE_WAIT_MS = 15_000;

export interface Cluster extends ClusterLink {
  /** Stops beating and listening; removes this host's heartbeat (it stopped in good order). */
  close(): Promise<void>;
}

/** Refuses to start under a system name that another running host is using (call before listening). */
export async function claimSystemName(store: Store, host: string, log: Logger, beatMs = BEAT_MS): Promise<void> {
  const find = async () => (await store.cluster.hosts()).find((h) => h.host === host);
  const seen = await find();
  if (!seen) return;
  // A row of this name: a running host beats again within a beat or two; one that crashed does not.
  log.info({ host, lastBeat: seen.beatAt }, 'a heartbeat under this system name exists; waiting to see whether that host still runs');
  await new Promise((r) => setTimeout(r, Math.round(beatMs * 1.6)));
  const again = await find();
  if (again && again.boot === seen.boot && again.beatAt !== seen.beatAt) {
    throw new Error(`the system name ${host} is in use by a running host (${again.url}); choose another --system-name`);
  }
}

export async function attachCluster(
  sys: System & { cluster: ClusterLink | null; url: string },
  deps: { store: Store; host: string; log: Logger; beatMs?: number },
): Promise<Cluster> {
  const { store, host } = deps;
  const beatMs = deps.beatMs ?? BEAT_MS;
  const log = deps.log.child({ room: 'cluster', system: host });
  const boot = `${host}.${Date.now().toString(36)}`;
  let storeDown = false;
  let last: HostStatus | null = null;

  const beat = async () => {
    try {
      last = await hostStatus(sys, host, boot, sys.url);
      await store.cluster.beat(last);
      if (storeDown) log.info('the store is back: heartbeats resumed');
      storeDown = false;
      await stopTakenOver();
    } catch (err) {
      if (!storeDown) log.warn({ err: (err as Error).message }, 'heartbeat not written');
      storeDown = isStoreUnavailable(err);
    }
  };
  // Jobs another host took over while this one was not heard from (cut off from the database for
  // longer than the takeover time): they run there now, so they stop here. The store already
  // ignores this host's writes for them (rows and charges).
  const stopTakenOver = async () => {
    if (sys.jobs.live.size === 0) return;
    for (const n of await store.hotel.fenced(host)) {
      const j = sys.jobs.live.get(n);
      if (!j) continue;
      log.warn({ job: n, user: j.owner }, 'a job here was taken over by another host while this host was not heard from: stopped here');
      sys.jobs.kill(n, 'IT WAS TAKEN OVER BY ANOTHER HOST WHILE THIS ONE WAS NOT HEARD FROM');
    }
  };
  await beat();
  const timer = setInterval(() => void beat(), beatMs);
  timer.unref();

  /** answers awaited from other hosts to 'release', by request */
  const awaiting = new Map<string, (error: string | null) => void>();
  let reqs = 0;
  const receive = (n: Notice) => {
    if (n.from === host) return; // ours: already delivered here
    if (n.kind === 'release' && n.host === host) {
      log.info({ job: n.job, user: n.owner, to: n.from }, 'another host asks for a job');
      void letGo(sys, n.job, n.owner, n.from, log)
        .catch((err) => (log.error({ err, job: n.job }, 'a job could not be let go'), 'IT COULD NOT BE PUT AWAY'))
        .then((error) => store.cluster.notify({ kind: 'released', from: host, host: n.from, job: n.job, req: n.req, error }))
        .catch((err) => log.warn({ err: (err as Error).message, job: n.job }, 'the answer to a release could not be sent'));
      return;
    }
    if (n.kind === 'released' && n.host === host) {
      awaiting.get(n.req)?.(n.error);
      return;
    }
    if (n.kind === 'broadcast') {
      for (const s of sys.lines.values()) s.notify(`*** FROM OPERATOR ${n.by} ON ${n.from}: ${n.text}`);
      log.info({ from: n.from, by: n.by, lines: sys.lines.size }, 'broadcast from another host');
    } else if (n.kind === 'hangup' && n.host === host) {
      const target = sys.lines.get(n.line);
      log.info({ from: n.from, by: n.by, line: n.line, user: target?.user }, 'hangup from another host');
      target?.hangup(`*** LINE HUNG UP BY OPERATOR ${n.by} ON ${n.from}.`, 'hangup');
    }
  };
  const unlisten = store.cluster.listen(receive);

  const cluster: Cluster = {
    host,
    async broadcast(text, by) {
      await store.cluster.notify({ kind: 'broadcast', from: host, by, text });
      return (await store.cluster.hosts()).filter((h) => h.host !== host && Date.now() - h.beatAt <= STALE_BEATS * beatMs).map((h) => h.host);
    },
    async hangup(target, line, by) {
      const h = (await store.cluster.hosts()).find((x) => x.host === target);
      if (!h) return 'no such host';
      await store.cluster.notify({ kind: 'hangup', from: host, by, host: target, line });
      return h.lines.some((l) => l.line === line) ? 'sent' : 'not in use';
    },
    async release(target, job, owner) {
      const h = (await store.cluster.hosts()).find((x) => x.host === target);
      if (!h || Date.now() - h.beatAt > STALE_BEATS * beatMs) return `HOST ${target} IS NOT HEARD FROM`;
      const req = `${boot}.${++reqs}`;
      const answer = new Promise<string | null>((resolve) => {
        const timer = setTimeout(() => resolve(`HOST ${target} DID NOT ANSWER`), RELEASE_WAIT_MS);
        awaiting.set(req, (error) => {
          clearTimeout(timer);
          resolve(error);
        });
      });
      try {
        await store.cluster.notify({ kind: 'release', from: host, host: target, job, owner, req });
        return await answer;
      } finally {
        awaiting.delete(req);
      }
    },
    async systat(shown) {
      try {
        return otherHostsText(await store.cluster.hosts(), host, Date.now(), STALE_BEATS * beatMs, shown);
      } catch (err) {
        if (!isStoreUnavailable(err)) throw err;
        return ['', `THIS IS HOST ${host}. ${STORE_UNAVAILABLE.split(':')[0]}: OTHER HOSTS CANNOT BE SHOWN.`];
      }
    },
    async close() {
      clearInterval(timer);
      unlisten();
      await store.cluster.forget(host).catch(() => {});
    },
  };
  sys.cluster = cluster;
  return cluster;
}
