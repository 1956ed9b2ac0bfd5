// A program image: what the assembler and the BASIC compiler produce and the monitor loads into a
// partition. Images stay inside the mainframe thread (compiles run there), so they may carry
// functions.
import type { Trap } from './isa.ts';

export interface Image {
  /** the words loaded at partition address 0 (code, constants and initialised data) */
  words: Int32Array;
  /** where execution starts */
  entry: number;
  /** words reserved after the image (zeroed data, heap), before the stack */
  bssWords: number;
  /** words of stack at the top of the partition */
  stackWords: number;
  /** the decoded-instruction cache covers [0, codeEnd); stores into it are detected */
  codeEnd: number;
  /** the source line of the instruction at pc, for messages ("IN LINE 40"); undefined if unknown */
  lineAt?(pc: number): number | undefined;
  /** a trap in the program's own terms ("TOO MANY GOSUBS" for STACK OVERFLOW in BASIC) */
  describeTrap?(kind: Trap, pc: number, addr: number): string | undefined;
}

/** What a compiler or the assembler returns. Errors are plain messages, each naming its line. */
export interface CompileResult {
  image?: Image;
  errors: string[];
  warnings: string[];
}
