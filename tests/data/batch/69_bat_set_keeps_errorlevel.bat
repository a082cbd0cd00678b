@echo off
call :rc 3
set x=1
echo %errorlevel%
goto :eof
:rc
exit /b %1
