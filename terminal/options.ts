// Command-line options of the teletype. Parsing is pure so a bad option gets a clear message before
// the screen is ever taken over.
import { DEFAULT_URL } from '../shared/wire.ts';

export interface Options {
  url: string;
  /** line speed in baud; 0 = unpaced */
  baud: number;
  /** fold typed letters to upper case, as an ASR-33 keyboard did */
  upper: boolean;
  /** file that receives a copy of the paper */
  log: string | null;
  status: boolean;
  help: boolean;
  /** pino debug log (never the screen); from --debug-log or TELETYPE_DEBUG_LOG */
  debugLog: string | null;
}

export const USAGE = `Usage: npm run terminal -- [URL] [options]

A teletype for the Timeshare mainframe: keys go up as typed, the server echoes, the paper scrolls.
URL defaults to ${DEFAULT_URL}.

Options:
  --baud N          line speed, asked of the server (which paces the line): 110 sends 10
                    characters a second like an ASR-33 (110 baud uses 11 bits a character, other
                    speeds 10), 300, 1200, 9600 ...; 0 = unpaced (default)
  --upper           fold typed letters to upper case, as an ASR-33 keyboard did
  --log FILE        append a copy of the paper (what was printed, not the keys) to FILE
  --no-status       no status line
  --debug-log FILE  diagnostic log (pino JSON) for the teletype itself; also TELETYPE_DEBUG_LOG
  --help            this text

Keys:
  every key goes to the mainframe as typed (Enter sends CR; Ctrl-C interrupts and discards
  output still waiting to be printed); PgUp/PgDn scroll back through the paper, any other key
  returns to the end; Ctrl-] then q quits (Ctrl-] then any other key does nothing).
`;

export class OptionError extends Error {}

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv = {}): Options {
  const opts: Options = {
    url: DEFAULT_URL,
    baud: 0,
    upper: false,
    log: null,
    status: true,
    help: false,
    debugLog: env.TELETYPE_DEBUG_LOG || null,
  };
  let sawUrl = false;
  const value = (i: number, name: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new OptionError(`${name} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const name = eq > 0 ? a.slice(0, eq) : a;
    const inline = eq > 0 ? a.slice(eq + 1) : undefined;
    const take = (): string => {
      if (inline !== undefined) return inline;
      const v = value(i, name);
      i++;
      return v;
    };
    switch (name) {
      case '--help':
      case '-h':
        opts.help = true;
        break;
      case '--upper':
        opts.upper = true;
        break;
      case '--no-status':
        opts.status = false;
        break;
      case '--baud': {
        const v = take();
        if (!/^\d+$/.test(v) || Number(v) > 1_000_000) {
          throw new OptionError(`--baud wants a whole number of baud from 0 to 1000000, not "${v}"`);
        }
        opts.baud = Number(v);
        break;
      }
      case '--log':
        opts.log = take();
        break;
      case '--debug-log':
        opts.debugLog = take();
        break;
      default:
        if (a.startsWith('-')) throw new OptionError(`unknown option ${a} (try --help)`);
        if (sawUrl) throw new OptionError(`only one URL, please: got "${opts.url}" and "${a}"`);
        opts.url = checkUrl(a);
        sawUrl = true;
    }
  }
  return opts;
}

function checkUrl(a: string): string {
  // Accept host:port as a convenience; the wire is always a WebSocket.
  const withScheme = /^[a-z]+:\/\//i.test(a) ? a : `ws://${a}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw new OptionError(`"${a}" is not a URL (expected something like ws://127.0.0.1:6400)`);
  }
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') {
    throw new OptionError(`"${a}" is not a WebSocket URL (ws:// or wss://)`);
  }
  return withScheme;
}

