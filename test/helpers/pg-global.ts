// vitest globalSetup: one real PostgreSQL server for the whole run (suites that use it create
// databases of their own on it, so they never see each other's rows). If it cannot start, the run
// fails with the reason: tests that need PostgreSQL never skip.
import type { TestProject } from 'vitest/node';
import { startPostgres, type PgServer } from './postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** postgres://... of the run's PostgreSQL server (its `postgres` database) */
    pgUrl: string;
  }
}

let server: PgServer | null = null;

export async function setup(project: TestProject): Promise<void> {
  server = await startPostgres();
  project.provide('pgUrl', server.url);
}

export async function teardown(): Promise<void> {
  await server?.destroy();
  server = null;
}
