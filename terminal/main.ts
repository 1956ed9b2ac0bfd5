// npm run terminal -- [URL] [options]: the teletype.
import { openDebugLog } from './log.ts';
import { OptionError, parseOptions, USAGE } from './options.ts';
import { openPrintout, type Printout } from './printout.ts';
import { openScreen } from './screen.ts';
import { Teletype } from './teletype.ts';

function fail(message: string, status = 2): never {
  process.stderr.write(`teletype: ${message}\n`);
  process.exit(status);
}

let opts;
try {
  opts = parseOptions(process.argv.slice(2), process.env);
} catch (e) {
  if (e instanceof OptionError) fail(e.message);
  throw e;
}
if (opts.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (!process.stdin.isTTY || !process.stdout.isTTY) {
  fail('the teletype needs a terminal: run it in a terminal window, not with input or output redirected');
}

if (process.env.TERM === 'dumb') {
  fail('the teletype needs a terminal that can move the cursor, and TERM=dumb cannot; try TERM=xterm');
}

let printout: Printout | null = null;
let log;
try {
  if (opts.log) printout = openPrintout(opts.log);
  log = openDebugLog(opts.debugLog);
} catch (e) {
  fail((e as Error).message);
}

const screen = openScreen({ input: process.stdin, output: process.stdout, status: opts.status });
let done = false;
/** Gives the terminal back at once, then waits a moment for the hang-up to reach the mainframe. */
const finish = (status: number, message?: string, lineClosed?: Promise<void>) => {
  if (done) return;
  done = true;
  screen.destroy();
  printout?.close();
  if (message) process.stderr.write(`teletype: ${message}\n`);
  const wait = new Promise((res) => setTimeout(res, 500).unref());
  void Promise.race([lineClosed ?? Promise.resolve(), wait]).then(() => process.exit(status));
};

// Never a stack trace on the user's screen: the details go to the debug log.
process.on('uncaughtException', (e) => {
  log.error({ err: e }, 'internal error');
  finish(1, `internal error: ${e.message}${opts.debugLog ? ` (details in ${opts.debugLog})` : ''}`);
});
process.on('SIGTERM', () => finish(0));
process.on('SIGHUP', () => finish(0));

const teletype = new Teletype(opts, {
  screen,
  printout: printout ? (row) => printout.row(row) : undefined,
  log,
  onQuit: (lineClosed) => finish(0, undefined, lineClosed),
});
log.info({ url: opts.url, baud: opts.baud }, 'start');
teletype.start();
