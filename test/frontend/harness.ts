// Starts an in-process front end on a free loopback port, over a temporary data folder and the
// fake mainframe (or a given one), with a tiny scrypt cost and a silent (but recorded) logger.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Writable } from 'node:stream';
import { DEFAULT_FRONTEND, FrontEnd, type ServerOptions } from '../../server/frontend/server.ts';
import type { MainframeLike } from '../../server/frontend/jobs.ts';
import { DirectoryLibrary } from '../../server/library/library.ts';
import { SqliteStore } from '../../server/store/sqlite.ts';
import { FakeMainframe } from './fake-mainframe.ts';
import type { Clock } from '../../shared/pacer.ts';

export interface Harness {
  fe: FrontEnd;
  url: string;
  store: SqliteStore;
  mainframe: MainframeLike;
  logs: string[];
  dir: string;
  stop(): Promise<void>;
}

export async function startFrontEnd(
  over: Partial<ServerOptions> = {},
  opts: { mainframe?: MainframeLike; dir?: string; libraryDir?: string; clock?: Clock } = {},
): Promise<Harness> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'timeshare-fe-'));
  const store = SqliteStore.open(dir);
  const mainframe = opts.mainframe ?? new FakeMainframe();
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(chunk.toString());
      cb();
    },
  });
  const log = pino({ level: 'debug' }, sink);
  const fe = await FrontEnd.start(
    { ...DEFAULT_FRONTEND, host: '127.0.0.1', port: 0, scryptN: 16, failDelayMs: 20,
      trusted: ['127.0.0.1', '::ffff:127.0.0.1'], loginsPerAccount: 600, registrationsPerHour: 100_000, systat: 'open', maxJobsPerUser: 64, ...over },
    { store, mainframe, library: new DirectoryLibrary(opts.libraryDir), log, clock: opts.clock },
  );
  return {
    fe, url: fe.url, store, mainframe, logs, dir,
    async stop() {
      await fe.shutdown('test');
      await mainframe.close();
      await store.close();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
