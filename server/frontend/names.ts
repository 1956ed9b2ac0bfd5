// Names of users and programs. Both are case-insensitive and kept in upper case, as on a teletype.
import type { ProgramLang } from '../store/store.ts';

export const MAX_PROGRAM_NAME = 16;
export const MAX_USER_NAME = 12;
/** Output files of background jobs: the program's name plus this suffix. */
export const OUTPUT_SUFFIX = '.OUT';

const PROGRAM_RE = /^[A-Z][A-Z0-9._-]*$/;
const USER_RE = /^[A-Z][A-Z0-9]*$/;

/** The canonical program name, or an error message for the user. */
export function programName(raw: string): { name: string } | { error: string } {
  const name = raw.trim().toUpperCase();
  if (name === '') return { error: 'A PROGRAM NAME IS NEEDED' };
  const max = name.endsWith(OUTPUT_SUFFIX) ? MAX_PROGRAM_NAME + OUTPUT_SUFFIX.length : MAX_PROGRAM_NAME;
  if (name.length > max || !PROGRAM_RE.test(name)) {
    return { error: `BAD NAME ${name.slice(0, 24)}: 1 TO ${MAX_PROGRAM_NAME} LETTERS, DIGITS, . - _ STARTING WITH A LETTER` };
  }
  return { name };
}

export function userName(raw: string): { name: string } | { error: string } {
  const name = raw.trim().toUpperCase();
  if (name.length < 1 || name.length > MAX_USER_NAME || !USER_RE.test(name)) {
    return { error: `USER NAMES ARE 1 TO ${MAX_USER_NAME} LETTERS AND DIGITS, STARTING WITH A LETTER` };
  }
  return { name };
}

/** Names ending .S are assembly; .OUT files are job output; everything else is BASIC. */
export function langOf(name: string): ProgramLang {
  if (name.endsWith(OUTPUT_SUFFIX)) return 'text';
  return name.endsWith('.S') ? 'asm' : 'basic';
}

export function outputName(program: string): string {
  return program + OUTPUT_SUFFIX;
}
