import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assemble, doubleWords } from '../../server/machine/assembler.ts';
import { disassemble } from '../../server/machine/disassembler.ts';
import { Op, Stop, encodeHead } from '../../server/machine/isa.ts';
import { Svc } from '../../server/machine/services.ts';
import { machine, mustAssemble, run, runToEnd } from './harness.ts';

const EXAMPLES = join(import.meta.dirname, '../../server/machine/examples');
const example = (name: string) => readFileSync(join(EXAMPLES, name), 'utf8');

function errorsOf(src: string): string[] {
  const res = assemble(src);
  expect(res.image).toBeUndefined();
  return res.errors;
}

describe('assembler: encoding', () => {
  it('encodes each operand form', () => {
    const img = mustAssemble(`
      LD r1, 4(r2)
      LD r1, 8(r2,r3)
      LD r1, cnt
      ADD r1, r2, r3
      ADD r1, r2, 5
      ADD r1, r2, r3+5
      ADD r1, sp, r3-2
      BLT r1, r2, 0
      JMP 6(r3)
      SVC PUTS
      svc 2
      fadd F1, f2, f3
cnt:  .word 9`);
    const w = [...img.words];
    expect(w).toEqual([
      encodeHead(Op.LD, 1, 2), 4,
      encodeHead(Op.LD, 1, 2, 3), 8,
      encodeHead(Op.LD, 1), 24,
      encodeHead(Op.ADD, 1, 2, 3), 0,
      encodeHead(Op.ADD, 1, 2), 5,
      encodeHead(Op.ADD, 1, 2, 3), 5,
      encodeHead(Op.ADD, 1, 15, 3), -2,
      encodeHead(Op.BLT, 1, 2), 0,
      encodeHead(Op.JMP, 0, 3), 6,
      encodeHead(Op.SVC), Svc.PUTS,
      encodeHead(Op.SVC), 2,
      encodeHead(Op.FADD, 1, 2, 3), 0,
      9,
    ]);
    expect(img.codeEnd).toBe(24);
  });

  it('evaluates expressions, hex, characters, . and .equ', () => {
    const img = mustAssemble(`
      .equ TEN, 10
      .equ BIG, 0xffffffff
a:    .word TEN*3+2, (TEN+2)/5, -TEN, 'A', '\\n', . , BIG, -7/2, b - a
b:    .word 0x7fffffff`);
    expect([...img.words]).toEqual([32, 2, -10, 65, 10, 5, -1, -3, 9, 0x7fffffff]);
  });

  it('lays out .text, .space, .align and .double (aligned with a zero pad)', () => {
    const img = mustAssemble(`
s:    .text "Hi\\n", 0
      .space 2
x:    .double 1.5, -2e10
      .align 4
y:    .word x, y`);
    const [lo1, hi1] = doubleWords(1.5);
    const [lo2, hi2] = doubleWords(-2e10);
    expect([...img.words]).toEqual([72, 105, 10, 0, 0, 0, lo1, hi1, lo2, hi2, 0, 0, 6, 12]);
  });

  it('.stack, .entry and the start label', () => {
    expect(mustAssemble('.stack 64\nNOP\nstart: HALT').stackWords).toBe(64);
    expect(mustAssemble('NOP\nstart: HALT').entry).toBe(2);
    expect(mustAssemble('NOP\nmain: HALT\n.entry main').entry).toBe(2);
    const d = mustAssemble('HALT');
    expect([d.entry, d.stackWords, d.bssWords]).toEqual([0, 1024, 0]);
  });

  it('labels and mnemonics are case-insensitive; comments are ignored, even after strings', () => {
    const img = mustAssemble(`Loop: li R1, ';'  ; a comment
      .text "a;b"   ; another
      JMP LOOP`);
    expect([...img.words]).toEqual([encodeHead(Op.LI, 1), 59, 97, 59, 98, encodeHead(Op.JMP), 0]);
  });
});

describe('assembler: errors', () => {
  it('reports every error at once, each with its physical line number', () => {
    const errs = errorsOf(`start: LI r1, 1
      FOO r1
      ADD r1, r2
      LD r1, nowhere
      LI r1, 0x100000000
      start: NOP
      .bogus 3
      .text "open
      LI f1, 2
      ADD r1, r2, (3
      HALT`);
    expect(errs).toEqual([
      'LINE 2: UNKNOWN INSTRUCTION FOO',
      'LINE 6: start IS ALREADY DEFINED',
      'LINE 7: UNKNOWN DIRECTIVE .bogus',
      'LINE 8: UNTERMINATED STRING',
      'LINE 3: ADD NEEDS 3 OPERANDS, AS IN ADD r1, r2, r3 OR r1, r2, 5',
      'LINE 4: UNDEFINED SYMBOL nowhere',
      'LINE 5: VALUE 4294967296 OUT OF RANGE',
      "LINE 9: OPERAND 1 MUST BE A REGISTER R0-R15, NOT 'f1'",
      "LINE 10: MISSING ) IN '(3'",
    ]);
  });

  it('uses teletype line numbers when lines carry them', () => {
    const errs = errorsOf(`10 START: LI R1, 1
20 LOOP: ADD R1, R1, 1
30 BLT R1, R9, LOPP
40 PUSH
50 HALT R1`);
    expect(errs).toEqual([
      'LINE 30: UNDEFINED SYMBOL LOPP',
      'LINE 40: PUSH NEEDS 1 OPERAND, AS IN PUSH r1',
      'LINE 50: HALT TAKES NO OPERANDS',
    ]);
  });

  it('rejects registers and service names as labels, and bad addresses', () => {
    expect(errorsOf('r3: NOP\nPUTS: NOP\nLD r1, r2\nLD r1, 4(f2)\nJMP 0(r1,r2)\n.space -1\n.space foo')).toEqual([
      'LINE 1: r3 IS A REGISTER NAME',
      'LINE 2: PUTS IS A SERVICE NAME',
      'LINE 6: .SPACE -1 IS OUT OF RANGE (0 TO 4194304)',
      'LINE 7: .SPACE: UNDEFINED SYMBOL foo',
      'LINE 3: OPERAND 2 MUST BE AN ADDRESS: WRITE 0(r2) TO USE A REGISTER',
      'LINE 4: OPERAND 2: INDEX REGISTERS MUST BE R0-R15',
      'LINE 5: OPERAND 1: AT MOST 1 INDEX REGISTER',
    ]);
  });

  it('never throws or hangs on garbage, and refuses an enormous program', () => {
    for (const src of ['', '\u0000\u0001', ':::', '"', "'", 'LD r1, (((', '.double x', '.word 1/0', '10', 'a: b: c:']) {
      const res = assemble(src);
      expect(Array.isArray(res.errors)).toBe(true);
    }
    expect(assemble('.space 4000000\n.space 4000000').errors).toEqual(['LINE 2: PROGRAM TOO BIG (MORE THAN 4194304 WORDS)']);
  });
});

describe('assembler: line map', () => {
  it('lineAt maps an address to its teletype line number or physical line', () => {
    const img = mustAssemble('10 LI R1, 1\n20 DIV R1, R1, 0\n30 HALT');
    expect([img.lineAt!(0), img.lineAt!(2), img.lineAt!(3), img.lineAt!(4), img.lineAt!(99)]).toEqual([10, 20, 20, 30, undefined]);
    const plain = mustAssemble('; comment\nNOP\n\nHALT');
    expect([plain.lineAt!(0), plain.lineAt!(2)]).toEqual([2, 4]);
    const m = machine(img);
    expect(m.cpu.run(m.ctx, 100)).toBe(Stop.TRAP);
    expect(img.lineAt!(m.ctx.trapPc)).toBe(20);
  });
});

describe('disassembler', () => {
  it('renders instructions readably and unknown words as .word', () => {
    const text = disassemble(Int32Array.from([encodeHead(Op.LD, 1, 2, 3), -4, encodeHead(Op.SVC), 2, 0x7000000, 65]));
    expect(text).toContain('LD r1, -4(r2,r3)');
    expect(text).toContain('SVC PUTS');
    expect(text).toContain('.word 117440512');
    expect(text).toContain(".word 65                    ; 5  'A'");
  });

  it('assemble -> disassemble -> assemble gives the same words (examples, data, every opcode)', () => {
    const sources = readdirSync(EXAMPLES).filter((f) => f.endsWith('.s')).map(example);
    sources.push(`
      .equ N, 5
      LI r1, -2147483648
      ADD r1, r2, r3-5
      LDF f1, d(r1,r2)
      STF f2, -8(r3)
      JMP 4(r5)
      FTOI r1, f2
      ITOF f3, r4
      FPUSH f3
      SETR r1, r2
      SIO r0, 3
      IDLE
      FBGE f1, f2, 0
      .word 0, -1, ${encodeHead(Op.ADD, 1, 2) | 1}, ${encodeHead(Op.HALT, 1)}, 0
d:    .double 3.25
      .text "xyz"`);
    for (const src of sources) {
      const a = mustAssemble(src).words;
      const b = mustAssemble(disassemble(a)).words;
      expect([...b]).toEqual([...a]);
    }
  });

  it('round-trips random words', () => {
    let seed = 12345;
    const rnd = () => { seed = (Math.imul(seed, 1103515245) + 12345) | 0; return seed; };
    for (let t = 0; t < 50; t++) {
      const w = new Int32Array(40);
      for (let i = 0; i < w.length; i++) {
        // mostly plausible heads, some raw noise
        w[i] = i % 2 === 0 && t % 3 !== 0 ? encodeHead(rnd() & 0xff, rnd(), rnd(), rnd()) : rnd();
      }
      expect([...mustAssemble(disassemble(w)).words]).toEqual([...w]);
    }
  });
});

describe('example programs', () => {
  it('hello.s types a greeting', () => {
    const o = run(example('hello.s'));
    expect(o.stop).toBe(Stop.HALT);
    expect(o.out).toBe('HELLO, WORLD\n');
  });

  it('primes.s types the primes below 100, ten to a line', () => {
    const o = run(example('primes.s'));
    expect(o.stop).toBe(Stop.HALT);
    expect(o.out).toBe('2 3 5 7 11 13 17 19 23 29\n31 37 41 43 47 53 59 61 67 71\n73 79 83 89 97\n');
  });

  it('sqrt.s types Newton\'s square roots beside FSQRT\'s', () => {
    const o = run(example('sqrt.s'));
    expect(o.stop).toBe(Stop.HALT);
    expect(o.out.split('\n')[1]).toBe('2 1414 1414');
    expect(o.out.split('\n')).toHaveLength(11);
  });

  it('echo.s types back each line until the end of input', () => {
    const o = run(example('echo.s'), ['first line', '', 'THE END']);
    expect(o.stop).toBe(Stop.HALT);
    expect(o.out).toBe('first line\n\nTHE END\n');
  });

  it('every example assembles without errors or warnings, and runs the same in 7-cycle slices', () => {
    for (const f of readdirSync(EXAMPLES).filter((x) => x.endsWith('.s'))) {
      const res = assemble(example(f));
      expect(res.errors, f).toEqual([]);
      expect(res.warnings, f).toEqual([]);
      const whole = runToEnd(machine(res.image!), ['a', 'b']);
      const sliced = runToEnd(machine(res.image!), ['a', 'b'], 7);
      expect(sliced, f).toEqual(whole);
    }
  });
});

describe('the reference card', () => {
  const card = readFileSync(join(import.meta.dirname, '../../server/machine/README.md'), 'utf8');

  it('lists every opcode and service exactly as isa.ts and services.ts define them', async () => {
    const { opcodeTable, serviceTable } = await import('../../server/machine/tools/card-tables.ts');
    expect(card).toContain(opcodeTable());
    expect(card).toContain(serviceTable());
  });

  it('its worked example assembles and types 1 to 5', () => {
    const src = /## A worked example[\s\S]*?```\n([\s\S]*?)```/.exec(card)![1];
    const o = run(src);
    expect(o.stop).toBe(Stop.HALT);
    expect(o.out).toBe('1\n2\n3\n4\n5\n');
    const wrong = assemble(src.replace('BLE  R6, R2, LOOP', 'BLE  R6, R2, LOPP'));
    expect(wrong.errors).toEqual(['LINE 90: UNDEFINED SYMBOL LOPP']);
  });
});
