// What the build runs once through the job command's bundle so that V8's code cache of that bundle
// (code-cache.ts) holds the functions a job needs: V8 compiles a function's bytecode the first time
// it is called, and a cache made after a run keeps what that run compiled. Both dialects, loops,
// arrays, functions, strings, PRINT of numbers, and enough passes for the JIT to translate a region.
import type { Dialect } from './basic/options.ts';

// Minimal BASIC, so that both dialects compile it.
const PROGRAM = `10 REM FOR V8'S CODE CACHE OF THE JOB COMMAND
20 DEF FNA(X) = X * X + 1
30 DIM A(20,20), B(20)
40 LET N = 20
50 FOR I = 1 TO N
60 FOR J = 1 TO N
70 LET A(I,J) = I + J
80 NEXT J
90 LET B(I) = SQR(I) + SIN(I) * COS(I) + ATN(I) + EXP(-I) + LOG(I)
100 NEXT I
110 LET S = 0
120 FOR K = 1 TO 200
130 FOR I = 1 TO N STEP 2
140 LET S = S + A(I,K - INT(K / N) * N + 1) * B(I) / FNA(I)
150 NEXT I
160 GOSUB 300
170 NEXT K
180 READ A$, X
190 PRINT A$; X; S, INT(S); TAB(40); ABS(-S)
200 IF S > 0 THEN 220
210 PRINT "NEGATIVE"
220 PRINT 1E-3; 12345678; -0.5
230 GOTO 500
300 LET S = S - 1
310 RETURN
400 DATA "TOTAL", 3.5
500 END
`;

/** Runs the training program in each dialect, its output thrown away. */
export async function train(): Promise<void> {
  process.env.LOG_LEVEL ??= 'silent';
  const { runStandalone } = await import('./monitor/standalone.ts');
  for (const dialect of ['extended', 'ecma55'] as Dialect[]) {
    const r = await runStandalone(PROGRAM, 'basic', { basic: { dialect }, onOutput: () => {}, onSystem: () => {} });
    if (r.exitCode !== 0) throw new Error(`code cache training (${dialect}): ${r.stderr}`);
  }
}
