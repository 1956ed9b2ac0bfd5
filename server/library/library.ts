// The shared program library: the .bas (and .s) files in this folder. At the teletype, LIBRARY lists
// them and OLD $NAME loads one into the workspace; SAVE then keeps the user's own copy.
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProgramLang } from '../store/store.ts';

export interface LibraryEntry {
  /** upper case, without the extension for BASIC: "HANGMAN"; assembly keeps ".S" */
  name: string;
  lang: ProgramLang;
  file: string;
  /** the first REM (or ; comment) line, if any */
  title: string;
}

export interface Library {
  list(): Promise<LibraryEntry[]>;
  /** null when there is no such program */
  read(name: string): Promise<{ entry: LibraryEntry; text: string } | null>;
}

const HERE = dirname(fileURLToPath(import.meta.url));

function titleOf(text: string, lang: ProgramLang): string {
  for (const row of text.split(/\r?\n/).slice(0, 5)) {
    const m = lang === 'asm' ? /^\s*(?:\d+\s+)?;\s*(.*)$/.exec(row) : /^\s*\d*\s*REM\s?(.*)$/i.exec(row);
    // "HANGMAN: GUESS THE WORD" -> "GUESS THE WORD": LIBRARY shows the name beside it already
    if (m && m[1].trim()) return m[1].trim().replace(/^[A-Za-z][\w.-]*\s*[:-]\s+/, '');
  }
  return '';
}

export class DirectoryLibrary implements Library {
  constructor(private dir = HERE) {}

  async list(): Promise<LibraryEntry[]> {
    let files: string[];
    try {
      files = await readdir(this.dir);
    } catch {
      return [];
    }
    const out: LibraryEntry[] = [];
    for (const f of files.sort()) {
      const m = /^([A-Za-z][A-Za-z0-9_-]*)\.(bas|s)$/i.exec(f);
      if (!m) continue;
      const lang: ProgramLang = m[2].toLowerCase() === 's' ? 'asm' : 'basic';
      const name = m[1].toUpperCase() + (lang === 'asm' ? '.S' : '');
      const text = await readFile(join(this.dir, f), 'utf8');
      out.push({ name, lang, file: join(this.dir, f), title: titleOf(text, lang) });
    }
    return out;
  }

  async read(name: string): Promise<{ entry: LibraryEntry; text: string } | null> {
    const entry = (await this.list()).find((e) => e.name === name.toUpperCase());
    if (!entry) return null;
    return { entry, text: await readFile(entry.file, 'utf8') };
  }
}
