@echo off
call :sub
echo not reached
:sub
exit 5
