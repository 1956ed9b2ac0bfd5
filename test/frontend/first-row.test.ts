// A job's first row in the store waits FIRST_ROW_MS (server/frontend/hotel.ts): a RUN that ends
// sooner never touches the store, one that goes on is kept, and a background job, whose owner was
// told its number, is kept at once. Through the front end with the fake mainframe and a real SQLite
// store whose hotel writes are watched.
import { afterEach, describe, expect, it } from 'vitest';
import { login, Term } from './client.ts';
import { FakeMainframe } from './fake-mainframe.ts';
import { startFrontEnd, type Harness } from './harness.ts';
import { until } from '../helpers/until.ts';
import { FIRST_ROW_MS } from '../../server/frontend/hotel.ts';

let h: Harness;
const terms: Term[] = [];
/** every job a hotel write touched (a row put or removed), in order */
let touched: number[] = [];

const start = async () => {
  h = await startFrontEnd({}, { mainframe: new FakeMainframe() });
  touched = [];
  const hotel = h.store.hotel;
  const put = hotel.put.bind(hotel);
  const remove = hotel.remove.bind(hotel);
  hotel.put = (rows, ...rest) => (touched.push(...rows.map((r) => r.job)), put(rows, ...rest));
  hotel.remove = (job, ...rest) => (touched.push(job), remove(job, ...rest));
};
const open = async (name: string) => {
  const t = await login(h.url, name, 'secret', true);
  terms.push(t);
  return t;
};
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterEach(async () => {
  for (const t of terms.splice(0)) t.close();
  await h.stop();
});

describe("a job's first row", () => {
  it('a RUN that ends at once never touches the store; one that goes on is kept with its source', async () => {
    await start();
    const a = await open('ann');
    await a.command('NEW QUICK');
    a.line('10 PRINT HELLO');
    expect(await a.command('RUN')).toContain('HELLO');
    await a.command('NEW SPIN');
    a.line('10 LOOP');
    a.line('RUN');
    await a.expect('RUN\r\n');
    // job 2 runs on: its row arrives; by then job 1's would have been due long ago
    const row = await until(async () => h.store.hotel.get(2), 'the running job kept', 10_000);
    expect(JSON.parse(row.meta)).toMatchObject({ kind: 'line', source: expect.stringContaining('10 LOOP') });
    await pause(FIRST_ROW_MS);
    expect(touched).not.toContain(1);
    expect(await h.store.hotel.get(1)).toBeFalsy();
    a.send('\x03');
    await a.expect(/STOPPED\.[\s\S]*READY\.\r\n/);
    await until(async () => !(await h.store.hotel.get(2)), 'the stopped job forgotten');
  });

  it('a job detached at once is kept at once, as detached; a submitted job is kept before its owner is told its number', async () => {
    await start();
    const a = await open('bea');
    await a.command('NEW SPIN');
    a.line('10 LOOP');
    a.line('RUN');
    await a.expect('RUN\r\n');
    a.send('\x04');
    await a.expect(/DETACHED\.[\s\S]*READY\.\r\n/);
    const row = await until(async () => h.store.hotel.get(1), 'the detached job kept');
    expect(JSON.parse(row.meta).kind).toBe('detached');

    await a.command('SAVE');
    const before = touched.length;
    const out = await a.command('SUBMIT SPIN');
    const n = Number(/JOB (\d+)/.exec(out)?.[1]);
    expect(n).toBeGreaterThan(1);
    // (the write is queued when the job starts, before the answer is typed)
    expect(touched.slice(before)).toContain(n);
  });
});
