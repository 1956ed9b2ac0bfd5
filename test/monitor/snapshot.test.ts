// Snapshots: a job put away between instructions and taken back on another monitor goes on exactly
// where it stopped (same output, same cycles); a snapshot that cannot be restored is refused with a
// message and nothing else is disturbed.
import { beforeAll, describe, expect, it } from 'vitest';
import { Monitor } from '../../server/monitor/monitor.ts';
import { type Compilers, loadCompilers } from '../../server/monitor/compilers.ts';
import type { FromMainframe, ToMainframe } from '../../server/monitor/protocol.ts';
import { type DecodedJob, SNAPSHOT_VERSION, decodeJob } from '../../server/monitor/snapshot.ts';
import type { MonitorConfig } from '../../server/monitor/config.ts';

let compilers: Compilers;
beforeAll(async () => {
  compilers = await loadCompilers();
});

// A checksum over a long run: random numbers (the RNG state), floating point (the f registers),
// a FOR loop (the stack and variables in the partition) and INPUT (type-ahead and GETS).
const CHECKSUM = `10 INPUT N
20 LET S = 0
30 FOR I = 1 TO N
40 LET S = S + RND(1) * I
50 LET S = S - INT(S / 1000) * 1000
60 NEXT I
70 PRINT "CHECKSUM"; S
80 INPUT A$
90 PRINT "BYE "; A$
100 END
`;

class Box {
  readonly events: FromMainframe[] = [];
  clock = 1_800_000_000_000;
  readonly m: Monitor;
  constructor(config: Partial<MonitorConfig> = {}) {
    this.m = new Monitor({ config, compilers, emit: (e) => this.events.push(e), now: () => this.clock });
  }
  send(msg: ToMainframe): void {
    this.m.handle(msg);
  }
  run(job: number, source: string): void {
    this.send({ t: 'run', job, owner: 'ANN', line: 1, name: 'SUM', lang: 'basic', source });
  }
  settle(max = 1e12): void {
    let n = 0;
    while (this.m.hasReady() && n < max) n += this.m.step(this.m.cfg.quantum);
    this.m.flush();
  }
  output(job: number): string {
    return this.events.filter((e) => e.t === 'out' && e.job === job).map((e) => (e as { text: string }).text).join('');
  }
  end(job: number) {
    return this.events.find((e): e is Extract<FromMainframe, { t: 'end' }> => e.t === 'end' && e.job === job);
  }
  snapshots(job: number) {
    return this.events.filter((e): e is Extract<FromMainframe, { t: 'snapshot' }> => e.t === 'snapshot' && e.job === job);
  }
  restored(job: number) {
    return this.events.filter((e): e is Extract<FromMainframe, { t: 'restored' }> => e.t === 'restored' && e.job === job).at(-1);
  }
}

function straight(n: number) {
  const b = new Box();
  b.run(7, CHECKSUM);
  b.send({ t: 'input', job: 7, line: String(n) });
  b.settle();
  b.send({ t: 'input', job: 7, line: 'NOW' });
  b.settle();
  return { out: b.output(7), end: b.end(7)! };
}

describe('job snapshots', () => {
  it('a job halted mid-run and restored on another monitor prints the same checksum in the same cycles', () => {
    const ref = straight(20000);
    expect(ref.out).toMatch(/CHECKSUM/);
    expect(ref.end.reason).toBe('normal');

    const a = new Box();
    a.run(7, CHECKSUM);
    a.send({ t: 'input', job: 7, line: '20000' });
    a.settle(ref.end.meters.cycles / 3); // a third of the way through the loop
    expect(a.m.job(7)!.state).not.toBe('stopped');
    a.send({ t: 'checkpoint', req: 1, halt: true });
    const snap = a.snapshots(7).at(-1)!;
    expect(a.events.at(-1)).toEqual({ t: 'checkpointed', req: 1, jobs: 1 });
    expect(a.m.job(7)).toBeUndefined(); // put away without an end
    expect(a.end(7)).toBeUndefined();

    const b = new Box();
    b.clock += 3_600_000; // an hour later
    b.send({ t: 'restore', job: 7, data: snap.data });
    expect(b.restored(7)!.error).toBeNull();
    b.settle();
    b.send({ t: 'input', job: 7, line: 'NOW' });
    b.settle();
    expect(a.output(7) + b.output(7)).toBe(ref.out);
    expect(b.end(7)!.reason).toBe('normal');
    expect(b.end(7)!.meters.cycles).toBe(ref.end.meters.cycles);
    expect(b.end(7)!.meters.coreWordCycles).toBe(ref.end.meters.coreWordCycles);
  });

  it('one job put away by itself (let go to another host) leaves; the others run on and core it held is free', () => {
    const ref = straight(20000);
    const a = new Box({ coreWords: 16384, defaultPartition: 8192, largestPartition: 8192 });
    a.run(7, CHECKSUM);
    a.run(8, CHECKSUM);
    a.run(9, CHECKSUM); // no room: waits for core
    for (const j of [7, 8]) a.send({ t: 'input', job: j, line: '20000' });
    a.settle(ref.end.meters.cycles / 3);
    expect(a.m.job(9)!.state).toBe('waiting for core');
    a.send({ t: 'checkpoint', req: 5, halt: true, job: 7 });
    a.m.checkInvariants();
    expect(a.events.at(-1)).toEqual({ t: 'checkpointed', req: 5, jobs: 1 });
    expect(a.snapshots(8)).toEqual([]);
    expect(a.m.job(7)).toBeUndefined();
    expect(a.end(7)).toBeUndefined();
    expect(a.m.job(9)!.state).not.toBe('waiting for core'); // it has 7's partition
    a.send({ t: 'input', job: 9, line: '10' });
    a.settle();
    a.send({ t: 'input', job: 8, line: 'NOW' });
    a.settle();
    expect(a.end(8)!.meters.cycles).toBe(ref.end.meters.cycles);
    // and 7 goes on elsewhere exactly where it left
    const b = new Box();
    b.send({ t: 'restore', job: 7, data: a.snapshots(7).at(-1)!.data });
    b.settle();
    b.send({ t: 'input', job: 7, line: 'NOW' });
    b.settle();
    expect(a.output(7) + b.output(7)).toBe(ref.out);
    expect(b.end(7)!.meters.cycles).toBe(ref.end.meters.cycles);
  });

  it('a job restored while core is full waits for core holding none and charged none, even when snapshotted while it waits', () => {
    const ref = straight(20000);
    const a = new Box();
    a.run(7, CHECKSUM);
    a.send({ t: 'input', job: 7, line: '20000' });
    a.settle(ref.end.meters.cycles / 3);
    a.send({ t: 'checkpoint', req: 1, halt: true });
    const snap = a.snapshots(7).at(-1)!;
    const snapWordMs = decodeJob(snap.data) as DecodedJob;
    const before = snapWordMs.facts.meters.coreWordMs;

    // the machine it comes back on is full: one partition, held by another job
    const b = new Box({ coreWords: 8192, defaultPartition: 8192, largestPartition: 8192 });
    b.run(1, CHECKSUM);
    b.send({ t: 'restore', job: 7, data: snap.data });
    expect(b.restored(7)!.error).toBeNull();
    expect(b.m.job(7)!.state).toBe('waiting for core');
    b.m.checkInvariants(); // core-held: waiting, it is charged for no core
    b.clock += 60_000; // a minute waiting, then put away again (an orderly stop)
    b.send({ t: 'checkpoint', req: 2, halt: true });
    const again = decodeJob(b.snapshots(7).at(-1)!.data) as DecodedJob;
    expect(again.facts.meters.coreWordMs).toBe(before); // no core-time for the minute it held none
  });

  it('a job waiting for input is restored waiting for input, and its type-ahead is kept', () => {
    const a = new Box();
    a.run(3, CHECKSUM);
    a.settle();
    expect(a.m.job(3)!.state).toBe('waiting for input');
    a.send({ t: 'checkpoint', req: 9, halt: true });
    const b = new Box();
    b.send({ t: 'restore', job: 3, data: a.snapshots(3).at(-1)!.data });
    b.settle();
    expect(b.m.job(3)!.state).toBe('waiting for input');
    b.send({ t: 'input', job: 3, line: '10' });
    b.send({ t: 'input', job: 3, line: 'TYPED AHEAD' }); // read by the second INPUT
    b.settle();
    expect(b.output(3)).toMatch(/CHECKSUM.*\n.*BYE TYPED AHEAD/s);
    expect(b.end(3)!.reason).toBe('normal');
    const ref = new Box();
    ref.run(3, CHECKSUM);
    ref.send({ t: 'input', job: 3, line: '10' });
    ref.send({ t: 'input', job: 3, line: 'TYPED AHEAD' });
    ref.settle();
    expect(b.end(3)!.meters.cycles).toBe(ref.end(3)!.meters.cycles);
  });

  it('takes a snapshot every snapshotSeconds of a job\'s CPU', () => {
    const b = new Box({ snapshotSeconds: 1, ratedClock: 1_000_000 });
    b.run(5, CHECKSUM);
    b.send({ t: 'input', job: 5, line: '30000' });
    b.send({ t: 'input', job: 5, line: 'X' });
    b.settle();
    const cycles = b.end(5)!.meters.cycles;
    const snaps = b.snapshots(5);
    expect(cycles).toBeGreaterThan(3_000_000);
    // one per million cycles, give or take the quantum at the edges
    expect(snaps.length).toBeGreaterThanOrEqual(Math.floor(cycles / 1_000_000) - 1);
    expect(snaps.length).toBeLessThanOrEqual(Math.floor(cycles / 1_000_000) + 1);
    for (let i = 1; i < snaps.length; i++) expect(snaps[i].cycles - snaps[i - 1].cycles).toBeGreaterThanOrEqual(1_000_000);
  });

  it('refuses a corrupt snapshot, one of another format and one too big for this machine, with a reason', () => {
    const a = new Box();
    a.run(4, CHECKSUM);
    a.settle();
    a.send({ t: 'checkpoint', req: 1 });
    const good = a.snapshots(4).at(-1)!.data;
    expect(a.m.job(4)!.state).toBe('waiting for input'); // without halt the job stays

    const flipped = good.slice();
    flipped[flipped.length - 10] ^= 0x40;
    expect(decodeJob(flipped)).toMatch(/CORRUPT \(CHECKSUM MISMATCH\)/);
    const older = good.slice();
    new DataView(older.buffer).setUint32(4, SNAPSHOT_VERSION + 1, true);
    expect(decodeJob(older)).toMatch(new RegExp(`FORMAT ${SNAPSHOT_VERSION + 1}.*FORMAT ${SNAPSHOT_VERSION} ONLY`));
    expect(decodeJob(good.slice(0, 30))).toMatch(/CORRUPT|TRUNCATED/);

    const limit = (decodeJob(good) as DecodedJob).facts.ctx!.limit;
    const b = new Box({ largestPartition: limit - 2, defaultPartition: 1024 });
    b.send({ t: 'restore', job: 4, data: flipped });
    expect(b.restored(4)!.error).toMatch(/CORRUPT/);
    b.send({ t: 'restore', job: 4, data: good });
    expect(b.restored(4)!.error).toBe(`ITS PARTITION OF ${limit} WORDS IS LARGER THAN THIS MACHINE'S LARGEST (${limit - 2} WORDS)`);
    expect(b.m.job(4)).toBeUndefined();
    // the monitor goes on: a new job runs
    b.send({ t: 'run', job: 5, owner: 'ANN', line: 1, name: 'HI.S', lang: 'asm', source: 'start: LI r1, 72\nSVC PUTC\nHALT\n' });
    b.settle();
    expect(b.output(5)).toBe('H');
  });
});
