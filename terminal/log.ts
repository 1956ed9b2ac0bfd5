// Diagnostics for the teletype go to a file or nowhere: anything written to stdout or stderr while
// the screen is up would scribble over the paper.
import pino from 'pino';

export type TeletypeLog = pino.Logger;

export function openDebugLog(file: string | null): TeletypeLog {
  if (!file) return pino({ enabled: false });
  return pino({ level: 'debug', base: { app: 'teletype' } }, pino.destination({ dest: file, sync: true, mkdir: true }));
}
