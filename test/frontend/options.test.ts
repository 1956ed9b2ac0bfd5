// `npm start`'s options that are about the host rather than the service: how the lines' thread and
// the mainframe's thread ask the kernel for the cores.
import { describe, expect, it } from 'vitest';
import { DEFAULT_LINES_SLICE_US, parseOptions } from '../../server/frontend/options.ts';

describe('npm start options: the threads and the host', () => {
  it('the lines ask for 300 µs time slices unless told; 0 leaves the kernel its own', () => {
    expect(DEFAULT_LINES_SLICE_US).toBe(300);
    expect(parseOptions([])!.linesSliceUs).toBe(300);
    expect(parseOptions(['--lines-slice', '0'])!.linesSliceUs).toBe(0);
    expect(parseOptions(['--lines-slice', '100'])!.linesSliceUs).toBe(100);
    expect(parseOptions(['--lines-slice', '100000'])!.linesSliceUs).toBe(100_000);
  });

  it('a slice the kernel would not give is refused by name, with the range', () => {
    for (const bad of ['50', '100001', '0.5', '-3', 'short']) {
      expect(() => parseOptions([`--lines-slice=${bad}`])).toThrow(`--lines-slice is 0 or 100 to 100000 microseconds, not "${bad}"`);
    }
  });

  it('the mainframe yields to the lines by default (idle); low and normal are the others', () => {
    expect(parseOptions([])!.mainframePriority).toBe('idle');
    expect(parseOptions(['--mainframe-priority', 'low'])!.mainframePriority).toBe('low');
    expect(() => parseOptions(['--mainframe-priority', 'high'])).toThrow('--mainframe-priority is idle, low or normal, not "high"');
  });
});
