@echo off
set /a h=0x10
set /a o=010
set /a neg=-5+2
set /a big=2147483647+1
echo %h% %o% %neg% %big%
