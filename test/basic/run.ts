// Runs BASIC programs on a private machine for the tests (the monitor's standalone runner).
import { runStandalone, type StandaloneResult } from '../../server/monitor/standalone.ts';
import type { BasicOptions } from '../../server/basic/options.ts';

export function runBasic(source: string, input = '', basic: BasicOptions = {}, cpuLimit = 200_000_000): Promise<StandaloneResult> {
  return runStandalone(source, 'basic', { input, cpuLimit, basic });
}

/** The same in the ecma55 dialect. */
export function runEcma(source: string, input = ''): Promise<StandaloneResult> {
  return runBasic(source, input, { dialect: 'ecma55' });
}

/** The system's messages as lines, without blank ones. */
export function messages(stderr: string): string[] {
  return stderr.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
}
