import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const EX = 'server/machine/examples';

// The command as `npm run job` runs it: the launcher and the built bundle, not the sources via tsx.
function job(args: string[], input = ''): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(process.execPath, ['server/launch.mjs', 'job', ...args], { input, encoding: 'utf8', timeout: 20_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

beforeAll(() => {
  // a fresh build first, so no test sees the launcher's "rebuilt" notice
  expect(spawnSync(process.execPath, ['server/build.mjs'], { encoding: 'utf8' }).status).toBe(0);
});

describe('the launcher', () => {
  it('rebuilds when a source is newer than the build, and says so on stderr only', () => {
    const stamp = '.build/stamp.json';
    const s = JSON.parse(readFileSync(stamp, 'utf8')) as { startedMs: number; files: number };
    writeFileSync(stamp, JSON.stringify({ ...s, startedMs: 0 })); // as if every source changed since
    const r = job([`${EX}/hello.s`]);
    expect(r.stderr).toMatch(/^timeshare: sources changed; rebuilt \.build\/ in \d+ ms\n$/);
    expect(r.stdout).toBe('HELLO, WORLD\n');
    expect(job([`${EX}/hello.s`]).stderr).toBe(''); // fresh again: no notice
  });

  it('names the commands when given an unknown one', () => {
    const r = spawnSync(process.execPath, ['server/launch.mjs', 'nonsense'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/usage: node server\/launch.mjs main\|job\|admin\|bills\|terminal/);
  });
});

describe('npm run job', () => {
  it('runs from the code cache the build made, which V8 takes: it was made under the job\'s own flags', () => {
    expect(statSync('.build/job-main.cjs.cache').size).toBeGreaterThan(100_000);
    const dir = mkdtempSync(join(tmpdir(), 'ts-job-'));
    const file = join(dir, 'sum.bas');
    writeFileSync(file, '10 FOR I = 1 TO 3\n20 LET S = S + I\n30 NEXT I\n40 PRINT S\n50 END\n');
    for (const dialect of ['ecma55', 'extended']) {
      const r = spawnSync(process.execPath, ['server/launch.mjs', 'job', '--dialect', dialect, file],
        { encoding: 'utf8', timeout: 20_000, env: { ...process.env, TIMESHARE_CODE_CACHE_REPORT: '1' } });
      expect([r.stdout, r.stderr, r.status]).toEqual([' 6 \n', 'code cache: taken\n', 0]);
    }
  });

  it('runs hello.s: exact output, exit 0, and --bill on stderr', () => {
    const r = job([`${EX}/hello.s`, '--bill']);
    expect(r.stdout).toBe('HELLO, WORLD\n');
    expect(r.stderr).toMatch(/^\d+ CYCLES, \d+\.\d{6} CPU SECONDS\n$/);
    expect(r.status).toBe(0);
  });

  it('runs primes.s', () => {
    const r = job([`${EX}/primes.s`]);
    expect(r.stdout).toBe('2 3 5 7 11 13 17 19 23 29\n31 37 41 43 47 53 59 61 67 71\n73 79 83 89 97\n');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('feeds stdin to echo.s line by line', () => {
    const r = job([`${EX}/echo.s`], 'one\r\ntwo\nlast line without end');
    expect(r.stdout).toBe('one\ntwo\nlast line without end\n');
    expect(r.status).toBe(0);
  });

  it('exits 1 on a run-time error, 2 on assembly errors and bad usage', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-job-'));
    writeFileSync(join(dir, 'trap.s'), 'start: LI r1, 9\n ST r1, 99999(r0)\n HALT\n');
    writeFileSync(join(dir, 'bad.s'), 'start: BOGUS r1\n LI r1, nowhere\n');
    const t = job([join(dir, 'trap.s')]);
    expect(t).toEqual({ stdout: '', stderr: 'ADDRESS TRAP AT PC 2: ADDRESS 99999 OUTSIDE PARTITION IN LINE 2\n', status: 1 });
    const b = job([join(dir, 'bad.s')]);
    expect(b.stdout).toBe('');
    expect(b.stderr.trim().split('\n')).toHaveLength(2);
    expect(b.status).toBe(2);
    expect(job([join(dir, 'nothing.s')]).status).toBe(2);
    expect(job([join(dir, 'x.txt')]).stderr).toMatch(/must end in \.bas \(BASIC\) or \.s \(assembly\)/);
  });
});
