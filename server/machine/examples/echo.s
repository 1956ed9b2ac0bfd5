; echo.s: reads lines until the end of input and types each one back.
        .equ  CAP, 200
start:  LA    r1, buf
        LI    r2, CAP
        SVC   GETS               ; r1 = length of the line, or -1 at the end of input
        BLT   r1, r0, done
        MOV   r2, r1             ; PUTS wants the length in r2
        LA    r1, buf
        SVC   PUTS
        LI    r1, 10             ; end the line (LF)
        SVC   PUTC
        JMP   start
done:   HALT
buf:    .space CAP
