// The mainframe's logger (pino, to stderr). Quiet by default under tests; LOG_LEVEL overrides.
import pino from 'pino';

export const log = pino({
  name: 'mainframe',
  level: process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info'),
}, pino.destination({ fd: 2, sync: true }));
