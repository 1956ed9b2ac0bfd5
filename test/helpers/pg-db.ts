// A fresh database on the run's PostgreSQL server (test/helpers/pg-global.ts), for one suite or test.
import { inject } from 'vitest';
import pg from 'pg';

let seq = 0;

export async function freshDatabase(prefix = 't'): Promise<string> {
  const url = inject('pgUrl');
  if (!url) throw new Error('no PostgreSQL server: test/helpers/pg-global.ts must be the globalSetup');
  const name = `${prefix}_${process.pid}_${++seq}_${Math.random().toString(36).slice(2, 8)}`.toLowerCase();
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  return url.replace(/\/postgres$/, `/${name}`);
}
