@echo off
set MyVar=1
echo %MYVAR% %myvar%
set MYVAR=2
echo %MyVaR%
