import { describe, expect, it } from 'vitest';
import { Paper } from '../../terminal/paper.ts';

const rows = (p: Paper) => Array.from({ length: p.length }, (_, i) => p.row(i));

describe('paper', () => {
  it('CR returns the carriage and LF advances the paper, like a teletype', () => {
    const p = new Paper(20);
    p.write('HELLO\r\nWORLD\r\n');
    expect(rows(p)).toEqual(['HELLO', 'WORLD', '']);
    expect(p.carriage).toBe(0);
  });

  it('a bare LF advances without returning the carriage', () => {
    const p = new Paper(20);
    p.write('ABC\nDEF');
    expect(rows(p)).toEqual(['ABC', '   DEF']);
  });

  it('CR alone overprints the same row', () => {
    const p = new Paper(20);
    p.write('XXXXX\rAB');
    expect(p.current).toBe('ABXXX');
    expect(p.carriage).toBe(2);
  });

  it('BS backs the carriage so the next character overstrikes; never past column 0', () => {
    const p = new Paper(20);
    p.write('ABC\b\b \b');
    expect(p.current).toBe('A C');
    expect(p.carriage).toBe(1);
    p.write('\b\b\b\b\bZ');
    expect(p.current).toBe('Z C');
  });

  it('BEL rings (counted) and prints nothing; other controls print nothing', () => {
    const p = new Paper(20);
    expect(p.write('A\x07B\x07\x07\x01\x1b\x7fC')).toBe(3);
    expect(p.current).toBe('ABC');
  });

  it('a line wider than the paper wraps; exactly full width then CR LF leaves no empty row', () => {
    const p = new Paper(5);
    p.write('ABCDEFGHIJKL\r\n');
    expect(rows(p)).toEqual(['ABCDE', 'FGHIJ', 'KL', '']);
    const q = new Paper(5);
    q.write('ABCDE\r\nX');
    expect(rows(q)).toEqual(['ABCDE', 'X']);
  });

  it('TAB moves to the next stop of 8', () => {
    const p = new Paper(40);
    p.write('A\tB\tC');
    expect(p.current).toBe('A       B       C');
  });

  it('reports each finished row for the printout, without trailing rubout spaces', () => {
    const got: string[] = [];
    const p = new Paper(10, 100, (r) => got.push(r));
    p.write('RUN\r\nABCDEFGHIJKL\r\nX\b \b\r\nlast');
    expect(got).toEqual(['RUN', 'ABCDEFGHIJ', 'KL', '']);
    p.flushCurrent();
    expect(got.at(-1)).toBe('last');
  });

  it('the view shows the last rows with the carriage on the last one; a short paper sits at the top', () => {
    const p = new Paper(20);
    p.write('ONE\r\nTWO');
    expect(p.view(5)).toEqual({ lines: ['ONE', 'TWO'], cursor: { row: 1, col: 3 } });
    for (let i = 0; i < 10; i++) p.write(`\r\nL${i}`);
    const v = p.view(3);
    expect(v.lines).toEqual(['L7', 'L8', 'L9']);
    expect(v.cursor).toEqual({ row: 2, col: 2 });
  });

  it('keeps at least 10,000 rows of scrollback and pages back to the very first', () => {
    const p = new Paper(80);
    for (let i = 1; i <= 12_000; i++) p.write(`LINE ${i}\r\n`);
    const h = 24;
    let pages = 0;
    while (p.pageUp(h)) pages++;
    const top = p.view(h);
    expect(top.lines[0]).toBe('LINE 1');
    expect(top.cursor).toBeNull();
    expect(pages).toBeGreaterThanOrEqual(Math.floor(12_000 / (h - 1)) - 1);
    expect(p.pageDown(h)).toBe(true);
    expect(p.view(h).lines[0]).toBe(`LINE ${1 + (h - 1)}`);
    expect(p.toEnd()).toBe(true);
    expect(p.view(h).lines.at(-2)).toBe('LINE 12000');
    expect(p.view(h).cursor).toEqual({ row: h - 1, col: 0 });
  });

  it('drops the oldest rows beyond its limit, still holding at least the limit asked for', () => {
    const p = new Paper(80, 10_000);
    for (let i = 1; i <= 25_000; i++) p.write(`LINE ${i}\r\n`);
    expect(p.length).toBeGreaterThanOrEqual(10_000);
    expect(p.length).toBeLessThanOrEqual(11_000);
    expect(p.droppedRows + p.length).toBe(25_001);
    expect(p.row(0)).toBe(`LINE ${p.droppedRows + 1}`);
    const big = new Paper(80); // the teletype's default
    for (let i = 1; i <= 50_000; i++) big.write(`LINE ${i}\r\n`);
    expect(big.length).toBeGreaterThanOrEqual(20_000);
    expect(big.length).toBeLessThan(50_000);
  });

  it('a reader scrolled back keeps looking at the same rows while output goes on', () => {
    const p = new Paper(80);
    for (let i = 1; i <= 100; i++) p.write(`LINE ${i}\r\n`);
    p.pageUp(10);
    const before = p.view(10).lines;
    for (let i = 101; i <= 120; i++) p.write(`LINE ${i}\r\n`);
    expect(p.view(10).lines).toEqual(before);
  });
});
