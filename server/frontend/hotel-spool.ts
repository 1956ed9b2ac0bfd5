// The hotel's spool: the jobs' final snapshots that could not reach the store because it was away
// when the server stopped (and removals of ended jobs' rows that failed meanwhile), kept in a local
// file, DATA/hotel-spool.HOST.json, so that the jobs come back at the next start exactly where they
// stopped instead of from an older snapshot (or not at all). The ledger's spool
// (accounting/spool.ts) keeps what they were charged up to that moment, and is replayed first.
//
// Fenced: at the next start the rows are written with HotelStore.putBack, which never writes over a
// row another host holds, nor writes afresh a job another host took over meanwhile (this host's
// heartbeat went stale: HotelStore.claim with staleBefore fences it), so no job runs twice and
// nothing is charged twice. (A job that ended here is not in the spool: its removal is.)
//
// The file is written whole to a temporary name, synced and renamed over the old one (as the
// ledger's spool): a crash during a write leaves the previous file, never half of one.
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SnapshotRow } from '../store/hotel.ts';
import { replaceDurably } from '../durable.ts';

const VERSION = 1;

interface SpooledRow extends Omit<SnapshotRow, 'image'> {
  /** base64 */
  image: string | null;
}

interface HotelSpoolFile {
  v: number;
  host: string;
  savedAt: number;
  rows: SpooledRow[];
  remove: number[];
}

/** Where a host keeps it: DATA/hotel-spool.HOST.json (the data folder is local to the host). */
export function hotelSpoolPath(dataDir: string, host: string): string {
  return join(dataDir, `hotel-spool.${host}.json`);
}

export class HotelSpool {
  constructor(readonly file: string, private readonly host: string) {}

  get exists(): boolean {
    return existsSync(this.file);
  }

  save(rows: readonly SnapshotRow[], remove: readonly number[]): void {
    const body: HotelSpoolFile = {
      v: VERSION, host: this.host, savedAt: Date.now(), remove: [...remove],
      rows: rows.map((r) => ({ ...r, image: r.image === null ? null : Buffer.from(r.image.buffer, r.image.byteOffset, r.image.byteLength).toString('base64') })),
    };
    replaceDurably(this.file, JSON.stringify(body));
  }

  /** What the file holds; throws with a plain reason when it is not a hotel spool of this host. */
  load(): { rows: SnapshotRow[]; remove: number[] } {
    const body = JSON.parse(readFileSync(this.file, 'utf8')) as HotelSpoolFile;
    if (body?.v !== VERSION || !Array.isArray(body.rows) || !Array.isArray(body.remove)) throw new Error(`${this.file} is not a hotel spool of version ${VERSION}`);
    if (body.host !== this.host) throw new Error(`${this.file} belongs to host ${body.host}, not ${this.host}`);
    const rows = body.rows.map((r): SnapshotRow => {
      if (!Number.isSafeInteger(r?.job) || typeof r.owner !== 'string' || typeof r.meta !== 'string') throw new Error(`${this.file} holds a row that is not a job's`);
      const image = r.image === null ? null : new Uint8Array(Buffer.from(r.image, 'base64'));
      return { ...r, host: this.host, image };
    });
    return { rows, remove: body.remove.filter((j) => Number.isSafeInteger(j)) };
  }

  clear(): void {
    rmSync(this.file, { force: true });
  }

  /** A file that cannot be read is moved aside for the operator, never lost. */
  setAside(): string {
    const bad = `${this.file}.bad`;
    renameSync(this.file, bad);
    return bad;
  }
}
