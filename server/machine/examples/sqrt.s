; sqrt.s: square roots of 1 to 10 by Newton's method, beside the FSQRT instruction's, both in
; thousandths. Shows the float registers, .double constants, ITOF and FTOI, and a subroutine.
start:  LI    r6, 1              ; r6 = n
        LDF   f9, half
        LDF   f8, thousand
outer:  ITOF  f1, r6             ; f1 = n
        FMOV  f2, f1             ; f2 = the guess x
        LI    r7, 0
newton: FDIV  f3, f1, f2         ; x = (x + n/x) / 2, twenty times
        FADD  f2, f2, f3
        FMUL  f2, f2, f9
        ADD   r7, r7, 1
        LI    r2, 20
        BLT   r7, r2, newton
        MOV   r1, r6
        SVC   PUTINT
        CALL  milli              ; Newton's root
        FSQRT f2, f1
        CALL  milli              ; the hardware's
        LI    r1, 10
        SVC   PUTC
        ADD   r6, r6, 1
        LI    r2, 10
        BLE   r6, r2, outer
        HALT

; milli: types a space and f2 in whole thousandths (truncated)
milli:  LI    r1, ' '
        SVC   PUTC
        FMUL  f5, f2, f8
        FTOI  r1, f5
        SVC   PUTINT
        RET
        .align
half:   .double 0.5
thousand: .double 1000
