@echo off
set n=0
:loop
set /a n+=1
if %n% LSS 3 goto loop
echo n=%n%
