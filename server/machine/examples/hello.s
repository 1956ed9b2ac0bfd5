; hello.s: the smallest useful program. Types a greeting and stops.
start:  LA    r1, msg            ; r1 = address of the text
        LI    r2, msglen         ; r2 = its length in words
        SVC   PUTS               ; type it
        HALT

msg:    .text "HELLO, WORLD", 10
.equ    msglen, . - msg
