// The line discipline of one terminal line, as a Datanet-30 did it: echo, rubout, kill, interrupt,
// line assembly. Pure logic: it takes the characters of a frame and returns what to echo plus the
// events (complete lines, interrupts) in order; the caller writes the echo and acts on the events.
import { Ctl } from '../../shared/wire.ts';

/** Longest line a user can type; longer ones are refused when they end. */
export const MAX_INPUT_LINE = 256;

export type LineEvent = { kind: 'line'; text: string } | { kind: 'interrupt' } | { kind: 'detach' } | { kind: 'toolong'; length: number };

export class LineDiscipline {
  /** when false (passwords) typed characters are not echoed */
  echo = true;
  private buf = '';
  private dropped = 0;
  private lastWasCR = false;

  /** The characters typed so far on the current line. */
  get pending(): string {
    return this.buf;
  }

  /** Characters of the last frame left unread because `stopAtLine` stopped at a line's end. */
  rest = '';

  /**
   * Feeds one frame. `events` receives the events in order; the return value is the echo. With
   * `stopAtLine` it stops after the first line ends and leaves the remainder in `rest`: during
   * login the next line may be a password, whose echo must be off before it is read.
   */
  feed(chars: string, events: LineEvent[], stopAtLine = false): string {
    let out = '';
    this.rest = '';
    for (let i = 0; i < chars.length; i++) {
      if (stopAtLine && events.length && events[events.length - 1].kind !== 'interrupt') {
        this.rest = chars.slice(i);
        break;
      }
      const c = chars[i];
      if (c === Ctl.LF && this.lastWasCR) {
        // CR LF (even across frames) ends one line, not two
        this.lastWasCR = false;
        continue;
      }
      this.lastWasCR = c === Ctl.CR;
      switch (c) {
        case Ctl.CR:
        case Ctl.LF:
          out += '\r\n';
          if (this.dropped) events.push({ kind: 'toolong', length: this.buf.length + this.dropped });
          else events.push({ kind: 'line', text: this.buf });
          this.buf = '';
          this.dropped = 0;
          break;
        case Ctl.RUBOUT:
        case Ctl.BACKSPACE:
          if (this.dropped) this.dropped--;
          else if (this.buf.length) {
            // a surrogate pair is one character to the user
            const cut = this.buf.length >= 2 && /[\uDC00-\uDFFF]/.test(this.buf[this.buf.length - 1]) ? 2 : 1;
            this.buf = this.buf.slice(0, -cut);
            if (this.echo) out += '\b \b';
          }
          break;
        case Ctl.KILL_LINE:
          this.buf = '';
          this.dropped = 0;
          out += '^U\r\n';
          break;
        case Ctl.INTERRUPT:
          this.buf = '';
          this.dropped = 0;
          out += '^C\r\n';
          events.push({ kind: 'interrupt' });
          break;
        case Ctl.DETACH:
          // the attention key: never program input (the session detaches a running job)
          this.buf = '';
          this.dropped = 0;
          out += '^D\r\n';
          events.push({ kind: 'detach' });
          break;
        default: {
          const code = c.charCodeAt(0);
          if ((code < 0x20 && c !== '\t') || (code >= 0x80 && code < 0xa0)) break; // other controls: ignored
          if (this.buf.length >= MAX_INPUT_LINE) {
            if (this.dropped === 0 && this.echo) out += Ctl.BELL;
            this.dropped++;
            break;
          }
          this.buf += c;
          if (this.echo) out += c;
        }
      }
    }
    return out;
  }
}
