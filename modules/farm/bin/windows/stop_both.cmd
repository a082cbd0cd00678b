@echo off

rem Script called on every node of the farm when it leaves UP: stop the services

rem For logging into the module log use:
rem "%SAFE%safekit" printi | printe "message"

rem ----------------------------------------------------------
rem
rem 2 stop modes:
rem
rem - graceful stop
rem   call standard application stop with net stop, last service first
rem
rem - force stop (%1=force)
rem   kill the application's processes that are still there
rem
rem ----------------------------------------------------------

rem stdout goes into the user log
echo Running stop_both %*

setlocal EnableDelayedExpansion
set reversed=
for %%S in (%SERVICES%) do set "reversed=%%S !reversed!"

set res=0
for %%S in (%reversed%) do (
  net stop %%S
  if errorlevel 1 set res=1
)

if not "%1" == "force" goto graceful_done

rem force: the process of the service, by name (PROCESS in conf/userconfig.xml)
taskkill /f /im %PROCESS%
rem errorlevel 128: no such process left, which is what a forced stop wants
set res=0
goto end

:graceful_done
rem a graceful stop that failed is followed by the forced one
if not "%res%" == "0" "%SAFE%safekit" printe "stop_both: a service of %SERVICES% did not stop gracefully"

:end
exit /b 0
