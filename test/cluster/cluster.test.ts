// Several real servers (each its own process and mainframe) on one real PostgreSQL database: a user
// finds the same account, programs and bill on any host, and the operator tools see every host.
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { login, Term } from '../frontend/client.ts';
import { removeDir, ROOT, spawnServer, type ServerProcess } from '../e2e/spawn.ts';
import { freshDatabase } from '../helpers/pg-db.ts';

const servers: ServerProcess[] = [];
const terms: Term[] = [];
afterAll(async () => {
  for (const t of terms.splice(0)) t.close();
  for (const s of servers.splice(0)) {
    await s.stop();
    removeDir(s.dir);
  }
});

async function host(store: string, name: string, extra: string[] = []): Promise<ServerProcess> {
  const s = await spawnServer(['--store', store, '--system-name', name, ...extra]);
  servers.push(s);
  return s;
}
async function user(url: string, name: string, pw = 'secret', register = true): Promise<Term> {
  const t = await login(url, name, pw, register);
  terms.push(t);
  return t;
}
function cli(script: 'bills' | 'admin', args: string[], input = '') {
  const r = spawnSync(process.execPath, ['--import', 'tsx', `server/${script}.ts`, ...args], { cwd: ROOT, input, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('two hosts on one PostgreSQL store', () => {
  it('a user registered on one host logs in on the other and finds the same programs; bills sum both hosts', async () => {
    const store = await freshDatabase('cluster');
    const [a, b] = await Promise.all([host(store, 'alpha'), host(store, 'BETA')]);
    const ta = await user(a.url, 'ann', 'pass1234');
    await ta.command('NEW HELLO');
    ta.line('10 PRINT "HELLO FROM "; 6*7');
    ta.line('20 END');
    expect(await ta.command('SAVE')).toContain('HELLO SAVED.');
    expect(await ta.command('RUN')).toContain('HELLO FROM  42');

    const tb = await user(b.url, 'ann', 'pass1234', false);
    expect(tb.out).toMatch(/LAST LOGIN/);
    expect(await tb.command('CATALOG')).toContain('HELLO');
    expect(await tb.command('OLD HELLO')).toContain('HELLO LOADED.');
    expect(await tb.command('RUN')).toContain('HELLO FROM  42');
    const bill = await tb.command('BILL');
    expect(bill).toContain('STATEMENT FOR ANN');
    expect(bill).toMatch(/CPU TIME/);

    const list = cli('admin', ['user', 'list', '--store', store]);
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/^ANN\s/m);
    ta.line('BYE');
    tb.line('BYE');
    await Promise.all([ta.closedWith(), tb.closedWith()]);
    // both hosts' charges, from the one ledger
    const json = cli('bills', ['--store', store, '--format', 'json']);
    expect(json.status, json.stderr).toBe(0);
    const run = JSON.parse(json.stdout) as { users: { user: string; total: number; lines: { kind: string; amount: number }[] }[] };
    expect(run.users.map((u) => u.user)).toEqual(['ANN']);
    expect(run.users[0]!.lines.filter((l) => l.kind === 'connect').length).toBeGreaterThan(0);
  });
});
