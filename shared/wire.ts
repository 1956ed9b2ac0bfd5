// The wire between a teletype and the server: a WebSocket carrying text frames of raw characters in
// both directions. Keys go up exactly as typed; the server echoes and owns the line discipline.

export const DEFAULT_PORT = 6400;
export const DEFAULT_URL = `ws://127.0.0.1:${DEFAULT_PORT}`;

/** Control characters with a meaning on the line. */
export const Ctl = {
  /** Ctrl-C: interrupt the running job and discard its queued output */
  INTERRUPT: '\x03',
  /** Ctrl-D: detach the running job (it goes on without the terminal; ATTACH n takes it back) */
  DETACH: '\x04',
  /** BEL: ring the terminal's bell */
  BELL: '\x07',
  /** BS: rub out the last character */
  BACKSPACE: '\x08',
  /** DEL (RUBOUT): rub out the last character */
  RUBOUT: '\x7f',
  /** Ctrl-U: kill the whole line being typed */
  KILL_LINE: '\x15',
  CR: '\r',
  LF: '\n',
} as const;

/** The prompts other tools script against (DESIGN.md): each starts a line. */
export const Prompt = {
  USER: 'USER NAME--',
  PASSWORD: 'PASSWORD--',
  READY: 'READY.',
} as const;
