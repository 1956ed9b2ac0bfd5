import { describe, expect, it } from 'vitest';
import { KeyMapper } from '../../terminal/keys.ts';

const sent = (actions: ReturnType<KeyMapper['map']>) =>
  actions.filter((a) => a.type === 'send').map((a) => (a as { text: string }).text).join('');

describe('key mapping', () => {
  it('sends every key as typed: letters, Enter as CR, DEL, BS, Tab, Ctrl-U, LF', () => {
    const k = new KeyMapper();
    expect(k.map('10 PRINT "hi"\r')).toEqual([{ type: 'send', text: '10 PRINT "hi"\r' }]);
    expect(sent(k.map('AB\x7f\x08\t\x15\n'))).toBe('AB\x7f\x08\t\x15\n');
  });

  it('Ctrl-C interrupts (throws away queued output) and is still sent, in order', () => {
    const k = new KeyMapper();
    expect(k.map('ab\x03cd')).toEqual([
      { type: 'send', text: 'ab' },
      { type: 'interrupt' },
      { type: 'send', text: '\x03cd' },
    ]);
  });

  it('--upper folds letters to upper case, nothing else', () => {
    const k = new KeyMapper(true);
    expect(sent(k.map('print x; "a=b"\r'))).toBe('PRINT X; "A=B"\r');
    expect(sent(k.map('é1\x03'))).toBe('é1\x03');
  });

  it('Ctrl-] q quits; Ctrl-] then another key sends nothing and returns to normal', () => {
    const k = new KeyMapper();
    expect(k.map('\x1d')).toEqual([{ type: 'escape' }]);
    expect(k.inEscape).toBe(true);
    expect(k.map('x')).toEqual([{ type: 'escapeCancelled' }]);
    expect(k.inEscape).toBe(false);
    expect(k.map('y')).toEqual([{ type: 'send', text: 'y' }]);
    expect(k.map('ab\x1dq')).toEqual([{ type: 'send', text: 'ab' }, { type: 'escape' }, { type: 'quit' }]);
    expect(new KeyMapper().map('\x1dQ').at(-1)).toEqual({ type: 'quit' });
    // an arrow key after Ctrl-] is swallowed whole
    const a = new KeyMapper();
    expect(a.map('\x1d\x1b[Az')).toEqual([{ type: 'escape' }, { type: 'escapeCancelled' }, { type: 'send', text: 'z' }]);
  });

  it('PgUp/PgDn scroll the paper and send nothing; arrows and function keys send nothing', () => {
    const k = new KeyMapper();
    expect(k.map('\x1b[5~\x1b[6~')).toEqual([{ type: 'pageUp' }, { type: 'pageDown' }]);
    expect(k.map('\x1b[A\x1b[D\x1bOP\x1b[15~')).toEqual([]);
  });

  it('a bare ESC is a key and is sent', () => {
    expect(new KeyMapper().map('\x1b')).toEqual([{ type: 'send', text: '\x1b' }]);
  });

  it('an escape sequence split across reads is still recognised', () => {
    const k = new KeyMapper();
    expect(k.map('A\x1b[5')).toEqual([{ type: 'send', text: 'A' }]);
    expect(k.map('~B')).toEqual([{ type: 'pageUp' }, { type: 'send', text: 'B' }]);
  });

  it('a long paste comes through whole and in order', () => {
    const k = new KeyMapper();
    const prog = Array.from({ length: 5000 }, (_, i) => `${10 * (i + 1)} PRINT ${i}\r`).join('');
    expect(sent(k.map(prog))).toBe(prog);
  });
});
