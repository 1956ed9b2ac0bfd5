import { describe, expect, it } from 'vitest';
import { runStandalone, splitLines } from '../../server/monitor/standalone.ts';
import { Harness, ECHO, LOOP } from './harness.ts';
import { until } from '../helpers/until.ts';

describe('runStandalone', () => {
  it('gives stdout exactly, exit 0, and the cycles', async () => {
    const r = await runStandalone(ECHO, 'asm', { input: 'A\nB B\n' });
    expect(r).toMatchObject({ stdout: 'A\nB B\n', stderr: '', exitCode: 0, status: 'normal' });
    expect(r.cpuSeconds).toBe(r.cycles / 10_000_000);
    const again = await runStandalone(ECHO, 'asm', { input: 'A\nB B\n' });
    expect(again.cycles).toBe(r.cycles);
  });

  it('sends system messages to stderr and exits 1 on a run-time error', async () => {
    const src = `start: LA r1, w
 LI r2, 2
 SVC WARN
 LI r1, 'Z'
 SVC PUTC
 LI r1, 1
 DIV r1, r1, r0
w: .text "HM"
`;
    const r = await runStandalone(src, 'asm', {});
    expect(r.stdout).toBe('Z');
    // the program's line ("Z") is unfinished: the final message starts a line of its own
    expect(r.stderr).toBe('HM IN LINE 3\n\nDIVIDE BY ZERO AT PC 12 IN LINE 7\n');
    expect(r.exitCode).toBe(1);
    expect(r.status).toBe('error');
  });

  it('exits 2 when the program is rejected and 1 at the CPU limit', async () => {
    const bad = await runStandalone('start: NOPE\n', 'asm');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/^LINE 1: .+\n$/);
    const slow = await runStandalone(LOOP, 'asm', { cpuLimit: 200_000 });
    expect(slow).toMatchObject({ exitCode: 1, status: 'cpu limit', stderr: 'CPU LIMIT EXCEEDED (0.02 SECONDS)\n' });
  });

  it('streams output as it is typed and takes input that arrives later', async () => {
    const seen: string[] = [];
    async function* typist(): AsyncGenerator<string> {
      yield 'FIRST';
      // typed before the second line comes: a job that held its output to the end could not get
      // here, since it cannot end without the second line
      await until(() => seen.join('') === 'FIRST\n', 'the first line typed back');
      yield 'SECOND';
    }
    const r = await runStandalone(ECHO, 'asm', { inputLines: typist(), onOutput: (s) => seen.push(s) });
    expect(r.stdout).toBe('FIRST\nSECOND\n');
    expect(r.exitCode).toBe(0);
  });

  it('waits out a SLEEP', async () => {
    const t0 = Date.now();
    const r = await runStandalone('start: LI r1, 120\n SVC SLEEP\n LI r1, 46\n SVC PUTC\n HALT\n', 'asm');
    expect(r.stdout).toBe('.');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(115);
  });

  it('splits input into lines', () => {
    expect(splitLines('')).toEqual([]);
    expect(splitLines('a\r\nb\n')).toEqual(['a', 'b']);
    expect(splitLines('a\n\nb')).toEqual(['a', '', 'b']);
  });
});

describe('systat', () => {
  it('reports load averages that rise with runnable jobs and decay without them', () => {
    const h = new Harness({ cpuLimit: 2 ** 40 });
    for (const j of [1, 2, 3, 4]) h.run(j, LOOP);
    for (let i = 0; i < 12; i++) { // a minute of 4 runnable jobs
      h.clock += 5000;
      h.m.tick();
    }
    const busy = h.m.systat(1).load;
    expect(busy[0]).toBeGreaterThan(2.4); // 4 x (1 - 1/e) after one minute
    expect(busy[0]).toBeLessThan(2.6);
    expect(busy[1]).toBeGreaterThan(0.6);
    expect(busy[1]).toBeLessThan(busy[0]);
    expect(busy[2]).toBeLessThan(busy[1]);
    for (const j of [1, 2, 3, 4]) h.m.handle({ t: 'kill', job: j });
    h.clock += 300_000;
    const idle = h.m.systat(2).load;
    expect(idle[0]).toBeLessThan(0.05);
    expect(idle[2]).toBeCloseTo(4 * (1 - Math.exp(-60 / 900)) * Math.exp(-300 / 900), 2); // the 15-minute average remembers
  });
});
