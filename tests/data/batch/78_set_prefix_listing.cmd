@echo off
set ZZ_ONE=1
set ZZ_TWO=2
set ZZ_
set NOPE_X
echo %errorlevel%
