@echo off
call :rc 2
if errorlevel 2 echo ge2
if errorlevel 3 echo ge3
if not errorlevel 3 echo lt3
if errorlevel 0 echo ge0
goto :eof
:rc
exit /b %1
