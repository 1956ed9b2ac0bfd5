// The real servers and terminals one test file opens, and their clean-up: every e2e, cluster,
// accounting and hostile test that runs the server as a process starts it through a Pool, so the
// way a test server is started, logged in to and cleaned up is written once (spawn.ts starts it).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type WebSocket from 'ws';
import { login, Term } from '../frontend/client.ts';
import { removeDir, spawnServer, type ServerProcess } from './spawn.ts';

export class Pool {
  servers: ServerProcess[] = [];
  terms: Term[] = [];
  sockets: WebSocket[] = [];
  /** data folders removed by cleanup (every server's, and those from tempDir) */
  private dirs = new Set<string>();

  /** Starts a server (in `dir`, e.g. a stopped server's, to restart it; `paced`: see spawnServer). */
  async server(args: string[] = [], dir?: string, opts: { paced?: boolean; hostPriority?: boolean } = {}): Promise<ServerProcess> {
    const s = await spawnServer(args, dir, opts);
    this.servers.push(s);
    this.dirs.add(s.dir);
    return s;
  }

  /** Stops a server started here (SIGTERM) and forgets it; its folder stays until cleanup, for a
   *  restart. Returns its exit code. */
  async stop(s: ServerProcess): Promise<number | null> {
    const code = await s.stop();
    const i = this.servers.indexOf(s);
    if (i >= 0) this.servers.splice(i, 1);
    return code;
  }

  /** Logs in (registering the name unless `register` is false). */
  async user(url: string, name: string, pw = 'secret', register = true): Promise<Term> {
    const t = await login(url, name, pw, register);
    this.terms.push(t);
    return t;
  }

  /** A connected terminal, not logged in. */
  async open(url: string): Promise<Term> {
    const t = await Term.open(url);
    this.terms.push(t);
    return t;
  }

  /** An empty folder, removed at cleanup. */
  tempDir(prefix = 'timeshare-test-'): string {
    const d = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.add(d);
    return d;
  }

  /** Closes the terminals, stops the servers, removes the folders (afterEach or afterAll). */
  async cleanup(): Promise<void> {
    for (const t of this.terms.splice(0)) t.close();
    for (const w of this.sockets.splice(0)) w.terminate();
    for (const s of this.servers.splice(0)) await s.stop();
    for (const d of this.dirs) removeDir(d);
    this.dirs.clear();
  }
}
