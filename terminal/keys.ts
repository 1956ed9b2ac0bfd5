// What typed keys mean. There is no local editing: every key goes up to the mainframe as typed,
// except the few the teletype itself answers: PgUp/PgDn (scroll back the paper) and Ctrl-] (the
// escape, as in telnet: Ctrl-] q quits, Ctrl-] then anything else does nothing). Other keys that
// send escape sequences (arrows, function keys) have no meaning on a teletype and send nothing.

export const ESCAPE_KEY = '\x1d'; // Ctrl-]

export type KeyAction =
  | { type: 'send'; text: string }
  /** Ctrl-C: throw away output waiting to be printed (the Ctrl-C itself follows in a send) */
  | { type: 'interrupt' }
  | { type: 'pageUp' }
  | { type: 'pageDown' }
  | { type: 'quit' }
  /** Ctrl-] was typed: the next key is a command for the teletype */
  | { type: 'escape' }
  /** the key after Ctrl-] was not a command; back to normal */
  | { type: 'escapeCancelled' };

const CSI_FINAL = /[\x40-\x7e]/;

export class KeyMapper {
  private escaped = false;
  /** an incomplete escape sequence held over from the last chunk */
  private partial = '';

  constructor(private readonly upper = false) {}

  get inEscape(): boolean {
    return this.escaped;
  }

  map(chunk: string): KeyAction[] {
    const s = this.partial + chunk;
    this.partial = '';
    const actions: KeyAction[] = [];
    let send = '';
    const flush = () => {
      if (send) actions.push({ type: 'send', text: send });
      send = '';
    };
    let i = 0;
    while (i < s.length) {
      const ch = s[i];
      if (this.escaped) {
        this.escaped = false;
        // Swallow the whole key, even if it is an escape sequence.
        const len = ch === '\x1b' ? sequenceLength(s, i) : 1;
        if (len === 0) {
          this.escaped = true;
          this.partial = s.slice(i);
          break;
        }
        flush();
        actions.push(ch === 'q' || ch === 'Q' ? { type: 'quit' } : { type: 'escapeCancelled' });
        i += len;
        continue;
      }
      if (ch === ESCAPE_KEY) {
        flush();
        this.escaped = true;
        actions.push({ type: 'escape' });
        i++;
        continue;
      }
      if (ch === '\x03') {
        flush();
        actions.push({ type: 'interrupt' });
        send = '\x03';
        i++;
        continue;
      }
      if (ch === '\x1b') {
        const len = sequenceLength(s, i);
        if (len === 0) {
          // Wait for the rest of the sequence.
          this.partial = s.slice(i);
          break;
        }
        const seq = s.slice(i, i + len);
        if (seq === '\x1b[5~') {
          flush();
          actions.push({ type: 'pageUp' });
        } else if (seq === '\x1b[6~') {
          flush();
          actions.push({ type: 'pageDown' });
        } else if (len === 1 || (len === 2 && seq[1] !== '[' && seq[1] !== 'O')) {
          // A bare ESC (or Alt+key): ESC is a key on a teletype too.
          send += seq;
        }
        // Anything else (arrows, function keys, paste brackets) means nothing here.
        i += len;
        continue;
      }
      const code = ch.charCodeAt(0);
      send += this.upper && code >= 0x61 && code <= 0x7a ? ch.toUpperCase() : ch;
      i++;
    }
    flush();
    return actions;
  }
}

/** Length of the escape sequence starting at s[i] (which is ESC), or 0 if it is incomplete. A lone
 * ESC at the end of a chunk is taken as the ESC key: terminals send a key's sequence in one go. */
function sequenceLength(s: string, i: number): number {
  if (i + 1 >= s.length) return 1;
  const next = s[i + 1];
  if (next === '[') {
    for (let j = i + 2; j < s.length; j++) {
      if (CSI_FINAL.test(s[j])) return j - i + 1;
    }
    return 0;
  }
  if (next === 'O') {
    return i + 2 < s.length ? 3 : 0;
  }
  return 2;
}
