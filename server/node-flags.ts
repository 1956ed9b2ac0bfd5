// The V8 flags the server's node is started with by `npm start` (package.json's start script
// names them, since an npm script cannot import; test/node-flags.test.ts keeps the two the same).
// They can only be given on node's command line: set from inside (v8.setFlagsFromString) after
// the heap exists they change nothing.
//
// A young generation of up to 64 MiB a half instead of V8's 16: the lines' thread allocates about
// 35 MB a second under 1,000 typists, so its scavenges came every 0.4 s, each stopping every line
// for about 2 ms (--trace-gc), and the echoes typed meanwhile were most of the tail's 1%. They now
// come half as often and take as long: 13 of 2.0 ms median in 10 s against 26-32 of 1.75-2.1 (V8
// grows the space only as far as the allocation asks). Echo bench, three alternating rounds, p99
// medians: no jobs 1.44 against 1.70 ms, 50 paced jobs 1.57 against 1.69 (p99.9 3.8 against
// 10.2), 50 unthrottled 2.47 against 2.66 (test/bench/README.md, item 19). The price is memory:
// the new space grows to 128 MiB at most (two halves) where the typing is heavy, instead of 32.
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=64'];
