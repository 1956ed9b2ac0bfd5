// The compilers the monitor runs in the mainframe thread. The assembler is always there; BASIC is
// loaded with a dynamic import so the monitor works before and after the BASIC compiler lands.
import type { CompileResult } from '../machine/image.ts';
import type { Lang } from './protocol.ts';
import { assemble } from '../machine/assembler.ts';
import { log } from './log.ts';

export type Compile = (source: string) => CompileResult;
export type Compilers = Partial<Record<Lang, Compile>>;

/** The message a job gets when its language has no compiler in this build. */
export function unavailable(lang: Lang): string {
  return lang === 'basic' ? 'BASIC IS NOT AVAILABLE YET' : `${lang.toUpperCase()} IS NOT AVAILABLE`;
}

let loaded: Promise<Compilers> | null = null;

/** Every compiler that exists in this build (loaded once per thread). */
export function loadCompilers(): Promise<Compilers> {
  loaded ??= (async () => {
    const c: Compilers = { asm: assemble };
    try {
      const path = '../basic/compiler.ts'; // a variable, so the type checker does not require the file
      const mod = (await import(path)) as { compileBasic?: Compile };
      if (typeof mod.compileBasic === 'function') c.basic = mod.compileBasic;
    } catch (e) {
      // Missing: not written yet. Anything else (a broken build) must not stop the machine:
      // BASIC jobs are refused with a plain message and the operator sees the reason in the log.
      if ((e as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') log.error({ err: e }, 'BASIC compiler failed to load');
    }
    return c;
  })();
  return loaded;
}
