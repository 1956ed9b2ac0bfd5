// `npm run job`'s entry in the build: sets the job's V8 flags, then runs the command itself
// (job.ts, built as CommonJS into job-main.cjs) through V8's code cache that the build made by
// running job-train.ts (code-cache.ts). Without the cache, or with one V8 refuses, it runs the same,
// compiling as it goes.
import { setFlagsFromString } from 'node:v8';
import { fileURLToPath } from 'node:url';
import { runCached, TRAIN_ENV } from './code-cache.ts';
import { JOB_V8_FLAGS } from './job-v8.ts';

/** job-main.cjs, relative to this source file (the build writes it in) */
declare const __TIMESHARE_JOB_MAIN__: string;

for (const flag of JOB_V8_FLAGS) setFlagsFromString(flag);
const use = runCached(fileURLToPath(new URL(__TIMESHARE_JOB_MAIN__, import.meta.url)), process.env[TRAIN_ENV] === '1');
// for tests and the curious: whether V8 took the cache (it refuses one made under other flags)
if (process.env.TIMESHARE_CODE_CACHE_REPORT === '1') process.stderr.write(`code cache: ${use}\n`);
