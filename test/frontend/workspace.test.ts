import { describe, expect, it } from 'vitest';
import { Workspace } from '../../server/frontend/workspace.ts';
import { langOf, programName, userName } from '../../server/frontend/names.ts';

describe('Workspace', () => {
  it('keeps numbered lines in order, replaces and deletes them', () => {
    const w = new Workspace();
    w.reset('P');
    for (const l of ['30 C', '10 A', '20 B', '10 AA', '20', '  40   D  ']) expect(w.edit(l)).toEqual({ ok: true });
    expect(w.source()).toBe('10 AA\n30 C\n40   D\n');
    expect(w.listing(25, 35)).toEqual(['30 C']);
  });

  it('refuses bad line numbers with a message', () => {
    const w = new Workspace();
    expect(w.edit('0 X')).toMatchObject({ ok: false });
    expect(w.edit('100000 X')).toMatchObject({ ok: false, error: 'LINE NUMBERS ARE 1 TO 99999' });
    expect(w.edit('10X')).toMatchObject({ ok: false });
    expect(w.size).toBe(0);
  });

  it('numbers unnumbered text (library assembly) by tens and keeps numbered text as it is', () => {
    const w = new Workspace();
    w.load('E.S', 'asm', 'start: HALT\n\n; done\n');
    expect(w.source()).toBe('10 start: HALT\n20 ; done\n');
    w.load('B', 'basic', '100 PRINT 1\r\n200 END\r\n');
    expect(w.source()).toBe('100 PRINT 1\n200 END\n');
    expect(w.lang).toBe('basic');
  });

  it('holds job output as read-only text', () => {
    const w = new Workspace();
    w.load('X.OUT', 'text', 'line 1\nline 2\n');
    expect(w.listing()).toEqual(['line 1', 'line 2']);
    expect(w.edit('10 A')).toMatchObject({ ok: false });
  });
});

describe('names', () => {
  it('validates and upper-cases program and user names', () => {
    expect(programName(' hello.s ')).toEqual({ name: 'HELLO.S' });
    expect(programName('a'.repeat(17))).toHaveProperty('error');
    expect(programName('1ABC')).toHaveProperty('error');
    expect(programName('A B')).toHaveProperty('error');
    expect(programName('PROGRAM_NAME_16C.OUT')).toEqual({ name: 'PROGRAM_NAME_16C.OUT' });
    expect(userName('alice')).toEqual({ name: 'ALICE' });
    expect(userName('al ice')).toHaveProperty('error');
    expect(langOf('X.S')).toBe('asm');
    expect(langOf('X')).toBe('basic');
    expect(langOf('X.S.OUT')).toBe('text');
  });
});
