// Swapping through the real server: a core hog cannot keep others out. A user's big sleeping jobs
// fill core; another user's big job then runs because the sleepers are swapped out to the store;
// the hog's jobs still finish exactly. A job waiting for input is swapped out, answered, and
// answers; Ctrl-C stops a swapped job. The owners see only a delay (SYSTAT says SWAPPED).
import { untilReply } from '../helpers/until.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { Pool, typeProgram, waitSystat, type Term } from './server.ts';

const pool = new Pool();
afterAll(() => pool.cleanup());

/** Sleeps 700 ms and types TICK, four times, in a partition of about 60,000 words. */
const HOG = ['start: LI r3, 4', 'loop: LI r1, 700', 'SVC SLEEP', 'LA r1, tick', 'LI r2, 5', 'SVC PUTS', 'SUB r3, r3, 1',
  'BNE r3, r0, loop', 'HALT', 'tick: .text "TICK\\n"', 'pad: .space 60000'];
/** Asks NAME? and types HELLO and the answer, in a partition of `words`. */
const asker = (words: number) => ['start: LA r1, q', 'LI r2, 5', 'SVC PUTS', 'LA r1, buf', 'LI r2, 40', 'SVC GETS', 'MOV r4, r1',
  'LA r1, hi', 'LI r2, 6', 'SVC PUTS', 'LA r1, buf', 'MOV r2, r4', 'SVC PUTS', 'LI r1, 10', 'SVC PUTC', 'HALT',
  'q: .text "NAME?"', 'hi: .text "HELLO "', `buf: .space ${words}`];

// Core of 262,144 words: four 60,000-word jobs fill it. Idle jobs are swapped after 300 ms.
const ARGS = ['--core', '262144', '--max-core-per-user', '1048576', '--swap-residence-ms', '300'];


describe('swapping', () => {
  it('a core hog\'s sleeping jobs are swapped out for another user\'s job; they still finish exactly', async () => {
    const s = await pool.server(ARGS);
    const hog = await pool.user(s.url, 'hogg');
    for (let i = 1; i <= 4; i++) {
      await typeProgram(hog, `HOG${i}.S`, HOG);
      expect(await hog.command('SAVE')).toContain(`HOG${i}.S SAVED.`);
    }
    for (let i = 1; i <= 4; i++) expect(await hog.command(`SUBMIT HOG${i}.S`)).toMatch(/JOB \d+ SUBMITTED/);
    const other = await pool.user(s.url, 'otto');
    // core is full of the hog's jobs
    await waitSystat(other, (jobs) => jobs.filter((j) => j.user === 'HOGG' && j.core > 60_000).length === 4);
    const watcher = await pool.user(s.url, 'wes'); // (SYSTAT typed on other's line would be its job's input)
    await typeProgram(other, 'BIG.S', asker(100_000));
    other.send('RUN\r');
    await other.expect('NAME?', 30_000); // it got core: sleepers were swapped out for it
    const jobs = await waitSystat(watcher, (js) => js.some((j) => j.user === 'HOGG' && /SWAPPED/.test(j.state)));
    for (const j of jobs.filter((x) => /SWAPPED/.test(x.state))) expect(j.core).toBe(0); // no core held, none charged
    other.send('OTTO\r');
    await other.expect('HELLO OTTO', 30_000);
    await other.expect('READY.\r\n');
    await untilReply(hog, 'JOBS', (o) => o.includes('NO JOBS.'), 60_000);
    for (let i = 1; i <= 4; i++) {
      await untilReply(hog, `OLD HOG${i}.S.OUT`, (o) => o.includes('LOADED'), 60_000);
      const out = await hog.command('LIST');
      expect(out).toContain('TICK\r\nTICK\r\nTICK\r\nTICK\r\n');
      expect(out).not.toMatch(/ERROR|KILLED|COULD NOT/);
    }
  }, 120_000);

  it('a job waiting for input is swapped out, then answered, and answers; Ctrl-C stops a swapped job', async () => {
    const s = await pool.server(ARGS);
    const amy = await pool.user(s.url, 'amy');
    const bo = await pool.user(s.url, 'bo');
    for (const t of [amy, bo]) {
      await typeProgram(t, 'ASK.S', asker(100_000));
      t.send('RUN\r');
      await t.expect('NAME?', 30_000);
    }
    const cy = await pool.user(s.url, 'cy');
    const watcher = await pool.user(s.url, 'wes'); // SYSTAT from a line whose job is not reading
    await typeProgram(cy, 'ASK.S', asker(100_000));
    cy.send('RUN\r');
    await cy.expect('NAME?', 30_000); // amy's and bo's jobs idle: one was swapped out for cy's
    const jobs = await waitSystat(watcher, (js) => js.some((j) => /WAITING FOR INPUT, SWAPPED/.test(j.state)));
    const swapped = jobs.find((j) => /SWAPPED/.test(j.state))!;
    const [first, second] = swapped.user === 'AMY' ? [amy, bo] : [bo, amy];
    first.send('FIRST\r');
    await first.expect('HELLO FIRST', 30_000); // swapped back in when cy's job ends or core frees
    cy.send('CY\r');
    await cy.expect('HELLO CY', 30_000);
    await first.expect('READY.\r\n');
    // Ctrl-C of a job swapped out: a fourth big job pushes the other idle one out first
    const di = await pool.user(s.url, 'di');
    await typeProgram(di, 'ASK.S', asker(100_000));
    await typeProgram(first, 'ASK.S', asker(100_000));
    first.send('RUN\r');
    await first.expect('NAME?', 30_000);
    di.send('RUN\r');
    await di.expect('NAME?', 30_000);
    await waitSystat(watcher, (js) => js.some((j) => j.user === (first === amy ? 'BO' : 'AMY') && /SWAPPED/.test(j.state)));
    second.send('\x03');
    await second.expect('READY.\r\n', 30_000);
    expect(await second.command('HELP')).toContain('COMMANDS');
  }, 120_000);
});
