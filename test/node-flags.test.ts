// `npm start` gives the server's node the flags server/node-flags.ts lists (they work only on
// node's command line), and the benchmarks start the server the same way.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVER_NODE_FLAGS } from '../server/node-flags.ts';
import { ROOT } from './e2e/spawn.ts';

describe("the server's node flags", () => {
  it('npm start passes every flag node-flags.ts lists, before the launcher', () => {
    const start: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start;
    expect(SERVER_NODE_FLAGS.length).toBeGreaterThan(0);
    expect(start).toBe(`node ${SERVER_NODE_FLAGS.join(' ')} server/launch.mjs main`);
  });

  it("under them a node whose young objects survive grows its new space past V8's default 32 MiB", () => {
    // the lines' thread's garbage, in miniature: a rolling window of objects that survive a while
    const script = `const v8 = require('v8'); let keep = [], max = 0;
      for (let i = 0; i < 3e6; i++) {
        keep.push({ i, s: 'x' + i });
        if (keep.length > 200000) keep = keep.slice(100000);
        if ((i & 0xffff) === 0) max = Math.max(max, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);
      }
      console.log(max / 1048576);`;
    const newSpace = (flags: string[]) => Number(spawnSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8' }).stdout.trim());
    expect(newSpace([])).toBeLessThanOrEqual(32);
    expect(newSpace(SERVER_NODE_FLAGS)).toBeGreaterThan(32);
  }, 60_000);
});
