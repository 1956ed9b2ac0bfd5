// Commands run on their narrow context alone: no socket, no session, no front end. A fake line
// collects what the command types; a fake job table records what it was asked to do.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { builtinCommands } from '../../server/frontend/commands/index.ts';
import type { CommandContext, CommandLine, CommandSystem, OtherLine } from '../../server/frontend/commands/context.ts';
import { DEFAULT_FRONTEND } from '../../server/frontend/server.ts';
import { Workspace } from '../../server/frontend/workspace.ts';
import { DirectoryLibrary } from '../../server/library/library.ts';
import { SqliteStore } from '../../server/store/sqlite.ts';

let dir = '';
let store: SqliteStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'timeshare-cmd-'));
  store = SqliteStore.open(dir);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function fakeLine(line: number, user: string, operator = false): CommandLine & { paper: string; hungUp: string | null } {
  return {
    line, user, operator, address: '127.0.0.1', connectedAt: 0, loginAt: 0,
    log: pino({ level: 'silent' }),
    workspace: new Workspace(),
    out: { baud: 0 },
    paper: '',
    hungUp: null,
    print(text) { this.paper += text; },
    println(...lines) { for (const l of lines) this.paper += `${l}\r\n`; },
    async printLong(text) { this.paper += text; },
    setSpeed: () => true,
    runForeground: async () => {},
    hangup(message) { this.hungUp = message; },
    attach: () => {},
    attachDone: async () => {},
  };
}

function fakeSystem(lines: OtherLine[] = [], live = new Map()): CommandSystem & { killed: number[] } {
  const commands = builtinCommands();
  const killed: number[] = [];
  return {
    config: DEFAULT_FRONTEND,
    store,
    library: new DirectoryLibrary(),
    commands,
    jobs: {
      live,
      start: async () => 'NO JOBS IN THIS TEST',
      kill: (n: number) => { killed.push(n); },
      systat: async () => null,
    } as unknown as CommandSystem['jobs'],
    lines: new Map(lines.map((l) => [l.line, l])),
    hub: { ask: async () => [] } as unknown as CommandSystem['hub'],
    hotel: { done: new Map(), forgetDone: () => {}, checkpointAll: async () => 0, detachedOf: () => [] },
    readOnly: null,
    stopping: false,
    startedAt: 0,
    killed,
  };
}

async function run(session: CommandLine, sys: CommandSystem, text: string): Promise<void> {
  const [keyword, ...rest] = text.split(' ');
  const cmd = sys.commands.list(true).find((c) => c.name === keyword || c.aliases?.includes(keyword!));
  if (!cmd) throw new Error(`no command ${keyword}`);
  const ctx: CommandContext = { session, sys, keyword: keyword!, args: rest.join(' ').trim() };
  await cmd.run(ctx);
}

it('NEW, program lines, SAVE, CATALOG and LIST work on the workspace and the store', async () => {
  await store.accounts.create({ name: 'ANN', password: 'x' });
  const me = fakeLine(1, 'ANN');
  const sys = fakeSystem();
  await run(me, sys, 'NEW HELLO');
  me.workspace.edit('10 PRINT "HI"');
  me.workspace.edit('20 END');
  await run(me, sys, 'SAVE');
  await run(me, sys, 'CATALOG');
  await run(me, sys, 'LIST');
  expect(me.paper).toContain('NEW BASIC PROGRAM HELLO.');
  expect(me.paper).toContain('HELLO SAVED.');
  expect(me.paper).toMatch(/HELLO\s+BASIC\s+\d+/);
  expect(me.paper).toContain('10 PRINT "HI"\r\n20 END\r\n');
  expect((await store.programs.get('ANN', 'HELLO'))?.text).toBe('10 PRINT "HI"\n20 END\n');
});

it('KILL reaches only the user\'s own jobs; an operator\'s reaches anyone\'s', async () => {
  const live = new Map([[7, { job: 7, owner: 'BEA', name: 'SPIN' }]]);
  const sys = fakeSystem([], live);
  const ann = fakeLine(1, 'ANN');
  await run(ann, sys, 'KILL 7');
  expect(ann.paper).toContain('NO JOB 7 OF YOURS.');
  expect(sys.killed).toEqual([]);
  const op = fakeLine(2, 'OPER', true);
  await run(op, sys, 'KILL 7');
  expect(op.paper).toContain('JOB 7 KILLED.');
  expect(sys.killed).toEqual([7]);
});

it('BROADCAST and HANGUP reach other lines through their narrow view, never the operator\'s own', async () => {
  const notes: string[] = [];
  let hung = '';
  const other: OtherLine = { line: 3, user: 'CAL', connectedAt: 0, state: 'IDLE', fg: null, release: () => {}, notify: (t) => notes.push(t), hangup: (m) => { hung = m; } };
  const op = fakeLine(2, 'OPER', true);
  const sys = fakeSystem([other, { ...other, line: 2, user: 'OPER', notify: () => { throw new Error('not to self'); } }]);
  await run(op, sys, 'BROADCAST SYSTEM GOING DOWN AT FIVE');
  expect(notes).toEqual(['*** FROM OPERATOR OPER: SYSTEM GOING DOWN AT FIVE']);
  expect(op.paper).toContain('SENT TO 1 LINE.');
  await run(op, sys, 'HANGUP 2');
  expect(op.paper).toContain('USE BYE TO HANG UP YOUR OWN LINE.');
  await run(op, sys, 'HANGUP 3');
  expect(hung).toBe('*** LINE HUNG UP BY OPERATOR OPER.');
});
