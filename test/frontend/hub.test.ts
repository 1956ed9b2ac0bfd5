// The hub and registry that accounting (and others) build on: events in order, hooks that refuse a
// job or type text, commands registered from outside.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { login, type Term } from './client.ts';
import { startFrontEnd, type Harness } from './harness.ts';
import type { HubEvents } from '../../server/frontend/hub.ts';
import { formatDollars, parseDollars } from '../../server/accounting/money.ts';

let h: Harness;
const terms: Term[] = [];
beforeEach(async () => {
  h = await startFrontEnd();
});
afterEach(async () => {
  for (const t of terms.splice(0)) t.close();
  await h.stop();
});

it('emits login, job start and end (with meters) and logout, and runs hooks at their moments', async () => {
  const seen: string[] = [];
  const ended: HubEvents['jobEnded'][] = [];
  h.fe.hub.on('login', (e) => seen.push(`login ${e.session.user} ${e.previousLogin === null ? 'first' : 'again'}`));
  h.fe.hub.on('jobStarted', (e) => seen.push(`start ${e.job.job} ${e.job.name} line ${e.job.line}`));
  h.fe.hub.on('jobEnded', (e) => {
    ended.push(e);
    seen.push(`end ${e.job.job} ${e.reason}`);
  });
  h.fe.hub.on('logout', (e) => seen.push(`logout ${e.session.user} ${e.reason}`));
  h.fe.hub.hooks.beforeJob.push((job) => (job.name === 'FORBIDDEN' ? 'BUDGET EXHAUSTED.' : null));
  h.fe.hub.hooks.afterRun.push((_s, e) => `TIME: ${(e.meters.cycles / 1e7).toFixed(2)} SECS.`);
  h.fe.hub.hooks.beforeBye.push((s) => `SO LONG, ${s.user}.`);
  h.fe.hub.on('login', () => {
    throw new Error('a broken subscriber must not break the line');
  });

  const t = await login(h.url, 'ada');
  terms.push(t);
  await t.command('NEW OK');
  t.line('10 PRINT FINE');
  expect(await t.command('RUN')).toMatch(/FINE\r\nTIME: 0\.00 SECS\.\r\nREADY\./);
  await t.command('NEW FORBIDDEN');
  t.line('10 PRINT NO');
  const refused = await t.command('RUN');
  expect(refused).toContain('BUDGET EXHAUSTED.');
  expect(refused).not.toMatch(/^NO\r$/m);
  t.line('BYE');
  await t.expect('SO LONG, ADA.\r\nADA LOGGED OFF');
  await t.closedWith();
  for (let i = 0; i < 500 && seen.length < 4; i++) await new Promise((r) => setTimeout(r, 10));
  expect(seen).toEqual(['login ADA first', 'start 1 OK line 1', 'end 1 normal', 'logout ADA bye']);
  expect(ended[0].meters.cycles).toBeGreaterThan(0);
  expect(h.logs.join('')).toContain('hub listener failed');
});

it('commands registered from outside appear in HELP and run', async () => {
  h.fe.commands.register({ name: 'BILL', usage: 'BILL [YYYY-MM]', help: 'your bill', run: (ctx) => ctx.session.println(`BILL FOR ${ctx.session.user} ${ctx.args || 'NOW'}`) });
  const t = await login(h.url, 'bea');
  terms.push(t);
  expect(await t.command('HELP')).toMatch(/^  BILL \[YYYY-MM\]\s+YOUR BILL/m);
  expect(await t.command('bill 2025-01')).toContain('BILL FOR BEA 2025-01');
});

it('admin parses dollars exactly into micro-dollars', () => {
  expect(parseDollars('12.5')).toBe(12_500_000);
  expect(parseDollars('$0.000001')).toBe(1);
  expect(parseDollars('100')).toBe(100_000_000);
  expect(parseDollars('1.2.3')).toBeUndefined();
  expect(parseDollars('-5')).toBeUndefined();
  expect(formatDollars(12_500_000)).toBe('$12.50');
  expect(formatDollars(1)).toBe('$0.000001');
});
