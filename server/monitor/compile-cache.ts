// Compiled programs kept for the next RUN of the same text. A class runs the same program again
// and again (edit, RUN, RUN), and a script may rerun a 10,000-line program at every READY.: in the
// hostile benchmark compiling took about a third of the mainframe thread, the same few sources
// each time. The bill does not change: a compile is charged by its lines (config.compileBase and
// compilePerLine), whether it is done or found here. Images are never written after they are
// compiled (loadImage copies them into a partition), so jobs can share one.
import { createHash } from 'node:crypto';
import type { CompileResult } from '../machine/image.ts';
import type { BasicOptions } from '../basic/options.ts';
import type { Lang } from './protocol.ts';

/** Programs kept, and the words of their images together: a few MiB at most. */
const MAX_ENTRIES = 64;
const MAX_WORDS = 2 * 1024 * 1024;

export class CompileCache {
  private entries = new Map<string, { result: CompileResult; words: number }>();
  private words = 0;
  hits = 0;

  constructor(
    private readonly maxEntries = MAX_ENTRIES,
    private readonly maxWords = MAX_WORDS,
  ) {}

  /** The same language, options and text give the same result: a digest of all three. */
  static key(lang: Lang, source: string, options?: BasicOptions): string {
    return createHash('sha256').update(lang).update('\0').update(JSON.stringify(options ?? null)).update('\0').update(source).digest('base64');
  }

  get(key: string): CompileResult | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    // most recently used last: the first in the map is the one to let go
    this.entries.delete(key);
    this.entries.set(key, e);
    this.hits++;
    return e.result;
  }

  set(key: string, result: CompileResult): void {
    const words = result.image?.words.length ?? 0;
    if (words > this.maxWords) return;
    const old = this.entries.get(key);
    if (old) {
      this.words -= old.words;
      this.entries.delete(key);
    }
    this.entries.set(key, { result, words });
    this.words += words;
    for (const [k, e] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.words <= this.maxWords) break;
      this.entries.delete(k);
      this.words -= e.words;
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
