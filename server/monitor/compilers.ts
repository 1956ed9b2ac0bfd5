// The compilers the monitor runs in the mainframe thread, one per language. Tests may hand the
// monitor a smaller set; a language missing from it is refused with a plain message.
import type { CompileResult } from '../machine/image.ts';
import type { Lang } from './protocol.ts';
import { assemble } from '../machine/assembler.ts';
import { compileBasic } from '../basic/compiler.ts';
import type { BasicOptions } from '../basic/options.ts';

/** BASIC takes the dialect and margin of the run message; the assembler has no options. */
export type Compile = (source: string, options?: BasicOptions) => CompileResult;
export type Compilers = Partial<Record<Lang, Compile>>;

/** The message a job gets when its language has no compiler in the set it was given. */
export function unavailable(lang: Lang): string {
  return `${lang.toUpperCase()} IS NOT AVAILABLE`;
}

const ALL: Compilers = { asm: (source) => assemble(source), basic: compileBasic };

/** Every compiler of this build. Async so that a driver need not care how they are loaded. */
export function loadCompilers(): Promise<Compilers> {
  return Promise.resolve(ALL);
}
