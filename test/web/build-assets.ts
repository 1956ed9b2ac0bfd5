// vitest global setup: builds the web assets once before the tests, so the pages the tests load are
// the sources as they are now (npm ci builds them too, through `prepare`).
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

export default function setup(): void {
  const root = resolve(import.meta.dirname, '../..');
  execFileSync(process.execPath, [resolve(root, 'server/web/build.mjs')], { cwd: root, stdio: 'pipe' });
}
