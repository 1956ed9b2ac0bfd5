// The V8 flags of `npm run job`'s process.
// V8 runs a new WebAssembly region as baseline (Liftoff) code, and once it has run a little
// (--wasm-tiering-budget, 1,800,000 by default, a rough count of code bytes executed) compiles it
// again, optimised, on another thread. A job here lasts at most 60 rated seconds (600 million
// cycles, some 60 ms of baseline code) and most last a few milliseconds: that compile (5-20 ms of
// a core for MATMUL's region on this host) rarely finished before the end, took a core the program
// could use (2 on the project's host), and a Node process waits for it before it exits. At the
// largest budget the flag takes (2^31 - 1) a region is optimised after about 5 ms of baseline code
// (measured: MATMUL, 33 million cycles, stays baseline in both dialects; the extended SIEVE tiers
// up): at most a few ms later for the longest job than at 10 times the default, which MATMUL's
// region used up in well under a millisecond. 2026-12-02, 15 interleaved rounds against 10 times the default,
// whole process minus start-up, CPU (perf task-clock): MATMUL extended 21.7 -> 14.7 ms, ecma55
// 17.7 -> 13.6; SIEVE 18.2 -> 16.6 and 13.7 -> 11.2; MATH 11.6 -> 7.6 and 10.5 -> 8.2; MATMUL at
// 200 by 200 (522 million cycles, near the limit): 64.8 -> 68.6 ms CPU, wall 63.9 -> 50.3 ms.
// Set before any WebAssembly is compiled; the private machine's process only (the server, whose
// jobs run for hours, keeps V8's default). The launcher (job-start.ts) sets them before it compiles
// the command's bundle, and the bundle again (for a run from the sources): V8 refuses a code cache
// made under other flags.
export const JOB_V8_FLAGS = ['--wasm-tiering-budget=2147483647'];
