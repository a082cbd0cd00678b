@echo off
set n=5
set /a n+=3
echo %n%
set /a n*=2
echo %n%
set /a n-=1
echo %n%
set /a n/=4
echo %n%
set /a n%%=2
echo %n%
