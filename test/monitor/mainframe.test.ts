import { afterEach, describe, expect, it } from 'vitest';
import { Mainframe } from '../../server/monitor/mainframe.ts';
import type { FromMainframe } from '../../server/monitor/protocol.ts';
import { ECHO, LOOP } from './harness.ts';

let mf: Mainframe | null = null;
afterEach(async () => {
  await mf?.close();
  mf = null;
});

/** Collects messages; until(pred) resolves with the first message (seen or future) matching pred. */
function recorder(m: Mainframe) {
  const seen: FromMainframe[] = [];
  const waiters: { pred: (x: FromMainframe) => boolean; resolve: (x: FromMainframe) => void }[] = [];
  m.onMessage((x) => {
    seen.push(x);
    for (const w of [...waiters]) if (w.pred(x)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(x);
    }
  });
  const until = (pred: (x: FromMainframe) => boolean): Promise<FromMainframe> => {
    const hit = seen.find(pred);
    return hit ? Promise.resolve(hit) : new Promise((resolve) => waiters.push({ pred, resolve }));
  };
  return { seen, until };
}

describe('the mainframe thread', () => {
  it('runs jobs in the worker: output, input, interrupt, systat, meters', async () => {
    mf = await Mainframe.start({ checkpointMs: 100 });
    const r = recorder(mf);
    mf.post({ t: 'run', job: 1, owner: 'ann', line: 3, name: 'ECHO', lang: 'asm', source: ECHO });
    mf.post({ t: 'run', job: 2, owner: 'bob', line: 4, name: 'LOOP', lang: 'asm', source: LOOP });
    await r.until((x) => x.t === 'state' && x.job === 1 && x.state === 'waiting for input');
    mf.post({ t: 'input', job: 1, line: 'HELLO THERE' });
    const out = await r.until((x) => x.t === 'out' && x.job === 1);
    expect(out).toEqual({ t: 'out', job: 1, text: 'HELLO THERE\n' });
    mf.post({ t: 'drained', job: 1, chars: 12 });

    const meters = await r.until((x) => x.t === 'meters' && x.jobs.some((j) => j.job === 2));
    expect(meters.t === 'meters' && meters.totalCycles).toBeGreaterThan(0);

    mf.post({ t: 'systat', req: 9 });
    const st = await r.until((x) => x.t === 'systat');
    if (st.t !== 'systat') throw new Error('unreachable');
    expect(st.req).toBe(9);
    expect(st.jobs.map((j) => [j.job, j.owner, j.line, j.name, j.state])).toEqual([
      [1, 'ann', 3, 'ECHO', 'waiting for input'],
      [2, 'bob', 4, 'LOOP', 'running'],
    ]);
    expect(st.core.used).toBe(2 * 4096);
    expect(st.jobs[1].meters.cycles).toBeGreaterThan(0);
    expect(st.jobs.reduce((a, j) => a + j.meters.cycles, 0) + st.idleCycles).toBe(st.totalCycles);

    mf.post({ t: 'interrupt', job: 2 });
    const end = await r.until((x) => x.t === 'end' && x.job === 2);
    expect(end.t === 'end' && end.reason).toBe('interrupted');
    mf.post({ t: 'eof', job: 1 });
    const end1 = await r.until((x) => x.t === 'end' && x.job === 1);
    expect(end1.t === 'end' && end1.reason).toBe('normal');
  });

  it('close kills running jobs and stops the thread', async () => {
    const m = await Mainframe.start();
    const r = recorder(m);
    m.post({ t: 'run', job: 7, owner: 'x', line: null, name: 'LOOP', lang: 'asm', source: LOOP });
    await r.until((x) => x.t === 'state' && x.job === 7 && x.state === 'running');
    await m.close();
    expect(r.seen.find((x) => x.t === 'end')).toMatchObject({ job: 7, reason: 'killed' });
    expect(r.seen.at(-1)).toEqual({ t: 'down' });
  });

  it('refuses nonsense settings with a plain message', async () => {
    await expect(Mainframe.start({ quantum: -1 })).rejects.toThrow('mainframe setting quantum must be a positive integer, not -1');
  });
});
