// End to end: a program's BASIC dialect is chosen at the teletype with SYSTEM, saved with it, and
// used by RUN and SUBMIT (the real server, the real mainframe, a real ws client).
import { afterEach, describe, expect, it } from 'vitest';
import { Pool } from './pool.ts';

const pool = new Pool();
afterEach(() => pool.cleanup());

describe('SYSTEM ECMA55 / SYSTEM EXTENDED and MARGIN at the teletype', () => {
  it('chooses the dialect, keeps it with the saved program, and RUN and SUBMIT use it', async () => {
    const s = await pool.server();
    const t = await pool.user(s.url, 'dialect');
    await t.command('NEW MIX');
    t.send('10 A = 7: PRINT A; TAB(3); "X"\r20 END\r');
    expect(await t.command('SYSTEM')).toContain('SYSTEM EXTENDED (MIX).');
    expect(await t.command('RUN')).toContain(' 7 X\r\n');
    expect(await t.command('SYSTEM ECMA55')).toContain('SYSTEM ECMA55.');
    expect(await t.command('RUN')).toContain('LINE 10: THE CHARACTER : IS NOT PART OF ECMA-55 BASIC');
    expect(await t.command('SAVE')).toContain('MIX SAVED.');
    expect(await t.command('NEW OTHER')).toContain('NEW BASIC PROGRAM OTHER.');
    expect(await t.command('SYSTEM EXTENDED')).toContain('SYSTEM EXTENDED.');
    expect(await t.command('OLD MIX')).toContain('MIX LOADED.');
    expect(await t.command('SYSTEM')).toContain('SYSTEM ECMA55 (MIX).');
    const sub = await t.command('SUBMIT MIX');
    expect(sub).toMatch(/JOB \d+ SUBMITTED/);
    for (let i = 0; i < 100; i++) {
      if ((await t.command('CATALOG')).includes('MIX.OUT')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await t.command('OLD MIX.OUT');
    expect(await t.command('LIST')).toContain('NOT PART OF ECMA-55');
    expect(await t.command('SYSTEM FORTRAN')).toContain('SYSTEM ECMA55 (MINIMAL BASIC, EXACTLY) OR SYSTEM EXTENDED');
    await t.command('NEW P.S');
    expect(await t.command('SYSTEM ECMA55')).toContain('IS AN ASSEMBLY PROGRAM');
    // MARGIN: the line's width for BASIC output, for the session
    await t.command('NEW WIDE');
    t.send('10 PRINT "ABCDEFGHIJKLMNOPQRSTUVWXYZ"\r20 END\r');
    expect(await t.command('MARGIN')).toContain('MARGIN 72.');
    expect(await t.command('MARGIN 20')).toContain('MARGIN 20.');
    expect(await t.command('RUN')).toContain('ABCDEFGHIJKLMNOPQRST\r\nUVWXYZ\r\n');
    expect(await t.command('MARGIN 5')).toContain('MARGIN TAKES A WHOLE NUMBER FROM 16 TO 255');
    expect(await t.command('MARGIN')).toContain('MARGIN 20.');
  });
});
