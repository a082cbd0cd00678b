@echo off

rem Script called on the primary server for stopping application services

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
rem   no action: the graceful call stopped the services (as the seed product does)
rem
rem ----------------------------------------------------------

rem stdout goes into the user log
echo Running stop_prim %*

if "%1" == "force" goto force

set res=0
call :reverse_services
set "rest=%reversed%"
:stop_next
if "%rest%" == "" goto stopped
call :pop_service
if "%service%" == "" goto stop_next
net stop "%service%"
if errorlevel 1 (
  set res=1
  "%SAFE%safekit" printe "stop_prim: net stop %service% failed"
)
goto stop_next

:stopped
rem If necessary, uncomment to wait for the stop of the services
rem "%SAFEBIN%sleep" 10
if "%res%" == "0" goto end
"%SAFE%safekit" printe "stop_prim failed: a service of %SERVICES% did not stop gracefully; the forced stop follows"
goto end

:force
rem default: no action on forcestop
goto end

:reverse_services
rem %reversed% = the names of SERVICES, last first, separated by commas
set "rest=%SERVICES%"
set "reversed="
:reverse_next
if "%rest%" == "" goto :eof
call :pop_service
if "%service%" == "" goto reverse_next
if defined reversed (
  set "reversed=%service%,%reversed%"
) else (
  set "reversed=%service%"
)
goto reverse_next

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
exit /b 0
