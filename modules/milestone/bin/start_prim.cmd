@echo off

rem Script called on the primary server for starting Milestone XProtect services

rem For logging into the module log use:
rem "%SAFE%safekit" printi | printe "message"

rem stdout goes into the user log
echo Running start_prim %*

rem SERVICES comes from conf/userconfig.xml: "a, b" starts a, then b; each one must be
rem running before the next starts (Windows: RUNNING or START_PENDING; on Linux, where
rem net start and sc query go to systemctl through SERVICE_MAP: active).
set "rest=%SERVICES%"
:start_next
if "%rest%" == "" goto end
call :pop_service
if "%service%" == "" goto start_next
net start "%service%"
if errorlevel 1 goto failed
sc query "%service%" | findstr /i /r "RUNNING START_PENDING ^active$ ^activating$" >nul
if errorlevel 1 goto failed
"%SAFE%safekit" printi "start_prim: %service% started"
goto start_next

:failed
"%SAFE%safekit" printe "start_prim failed: %service% did not start"

rem uncomment to stop the module when critical (the failed hook already makes the
rem module give up this start)
rem "%SAFE%safekit" stop -i "start_prim"
exit /b 1

:pop_service
rem Moves the first name of %rest% into %service%, without the blanks around it. Only
rem commas separate names: "Milestone XProtect Log Server" is one service.
set "service="
for /f "tokens=1* delims=," %%A in ("%rest%") do (
  set "service=%%A"
  set "rest=%%B"
)
if not defined service set "rest="
:pop_trim_left
if "%service:~0,1%" == " " (
  set "service=%service:~1%"
  goto pop_trim_left
)
:pop_trim_right
if "%service:~-1%" == " " (
  set "service=%service:~0,-1%"
  goto pop_trim_right
)
goto :eof

:end
