// Runs BASIC programs on a private machine for the tests (the monitor's standalone runner).
import { runStandalone, type StandaloneResult } from '../../server/monitor/standalone.ts';

export function runBasic(source: string, input = '', cpuLimit = 200_000_000): Promise<StandaloneResult> {
  return runStandalone(source, 'basic', { input, cpuLimit });
}

/** The system's messages as lines, without blank ones. */
export function messages(stderr: string): string[] {
  return stderr.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
}
