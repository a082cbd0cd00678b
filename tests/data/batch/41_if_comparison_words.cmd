@echo off
if 10 GTR 9 echo num-gtr
if "10" GTR "9" (echo str-gtr) else (echo str-not-gtr)
if 5 EQU 5 echo equ
if 3 LSS 4 echo lss
if 4 LEQ 4 echo leq
if 4 GEQ 5 (echo geq) else (echo not-geq)
if a NEQ b echo neq
if 0x10 EQU 16 echo hex-equal
if /i abc equ ABC echo ci-equ
