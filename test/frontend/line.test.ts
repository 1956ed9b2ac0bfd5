// The line discipline alone: events and echo for every kind of key, and the same lines however
// the characters are split into frames.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineDiscipline, MAX_INPUT_LINE, type LineEvent } from '../../server/frontend/line.ts';

function feed(frames: string[], echo = true): { events: LineEvent[]; out: string } {
  const d = new LineDiscipline();
  d.echo = echo;
  const events: LineEvent[] = [];
  let out = '';
  for (const f of frames) out += d.feed(f, events);
  return { events, out };
}
const lines = (evs: LineEvent[]) => evs.map((e) => (e.kind === 'line' ? e.text : e.kind));

describe('LineDiscipline', () => {
  it('echoes printable characters and ends lines with CR LF', () => {
    expect(feed(['HI\r'])).toEqual({ events: [{ kind: 'line', text: 'HI' }], out: 'HI\r\n' });
  });

  it('counts CR, LF and CR LF as one line end each, also across frames', () => {
    expect(lines(feed(['A\rB\nC\r\nD\r', '\nE\n\r']).events)).toEqual(['A', 'B', 'C', 'D', 'E', '']);
  });

  it('rubs out with DEL and BS (backspace-space-backspace), not past the start', () => {
    const r = feed(['AB\x7f\x08\x08C\r']);
    expect(lines(r.events)).toEqual(['C']);
    expect(r.out).toBe('AB\b \b\b \bC\r\n');
  });

  it('Ctrl-U kills the line, Ctrl-C interrupts and discards it', () => {
    const r = feed(['ABC\x15D\r', 'XY\x03Z\r']);
    expect(lines(r.events)).toEqual(['D', 'interrupt', 'Z']);
    expect(r.out).toBe('ABC^U\r\nD\r\nXY^C\r\nZ\r\n');
  });

  it('ignores other control characters, keeps tabs and non-ASCII text', () => {
    expect(lines(feed(['A\x00\x01\x1b\x07\tB\u00e9\u{1F600}\r']).events)).toEqual(['A\tB\u00e9\u{1F600}']);
  });

  it('does not echo when echo is off (passwords), but still ends the line visibly', () => {
    expect(feed(['secret\x7f\r'], false)).toEqual({ events: [{ kind: 'line', text: 'secre' }], out: '\r\n' });
  });

  it('refuses a line longer than the maximum, keeping at most the maximum in memory', () => {
    const d = new LineDiscipline();
    const events: LineEvent[] = [];
    const out = d.feed('x'.repeat(MAX_INPUT_LINE + 50), events);
    expect(d.pending.length).toBe(MAX_INPUT_LINE);
    expect(out).toBe('x'.repeat(MAX_INPUT_LINE) + '\x07');
    d.feed('\rOK\r', events);
    expect(events).toEqual([{ kind: 'toolong', length: MAX_INPUT_LINE + 50 }, { kind: 'line', text: 'OK' }]);
  });

  it('stopAtLine leaves the rest of the frame unread', () => {
    const d = new LineDiscipline();
    const events: LineEvent[] = [];
    d.feed('user\rpass\r', events, true);
    expect(events).toEqual([{ kind: 'line', text: 'user' }]);
    expect(d.rest).toBe('pass\r');
  });

  it('gives the same lines however the input is split into frames', () => {
    const alphabet = fc.constantFrom('a', 'b', '1', ' ', '\r', '\n', '\x7f', '\x08', '\x15', '\x03', '\x01');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 200 }), fc.array(fc.nat(200), { maxLength: 10 }), (chars, cuts) => {
        const text = chars.join('');
        const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const frames: string[] = [];
        let prev = 0;
        for (const p of points) {
          frames.push(text.slice(prev, p));
          prev = p;
        }
        frames.push(text.slice(prev));
        const whole = feed([text]);
        const split = feed(frames);
        expect(split).toEqual(whole);
      }),
    );
  });
});
