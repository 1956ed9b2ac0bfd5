; primes.s: types the primes below 100, ten to a line, by trial division.
; Shows loops, MUL and MOD, a subroutine on the stack, and the PUTINT and PUTC services.
        .equ  LIMIT, 100
        .equ  PERLINE, 10
start:  LI    r6, 2              ; r6 = candidate
        LI    r5, 0              ; r5 = primes typed on this line
next:   LI    r2, 2              ; r2 = trial divisor
trial:  MUL   r3, r2, r2         ; divisor squared beyond the candidate: it is prime
        BGT   r3, r6, prime
        MOD   r3, r6, r2
        BEQ   r3, r0, notp       ; divides evenly: not prime
        ADD   r2, r2, 1
        JMP   trial
prime:  CALL  type               ; type r6
notp:   ADD   r6, r6, 1
        LI    r4, LIMIT
        BLT   r6, r4, next
        BEQ   r5, r0, fin        ; end an unfinished line
        LI    r1, 10
        SVC   PUTC
fin:    HALT

; type: types r6, preceded by a space unless it starts the line; ends the line after PERLINE.
type:   BEQ   r5, r0, first
        LI    r1, ' '
        SVC   PUTC
first:  MOV   r1, r6
        SVC   PUTINT
        ADD   r5, r5, 1
        LI    r4, PERLINE
        BLT   r5, r4, back
        LI    r1, 10             ; LF ends the line
        SVC   PUTC
        LI    r5, 0
back:   RET
