@echo off

rem Script called on every node of the farm when it leaves UP: stop IIS

rem For logging into the module log use:
rem "%SAFE%safekit" printi | printe "message"

rem ----------------------------------------------------------
rem
rem 2 stop modes:
rem
rem - graceful stop
rem   call standard application stop with net stop
rem
rem - force stop (%1=force)
rem   stop every IIS service and kill the worker processes left
rem
rem ----------------------------------------------------------

rem stdout goes into the user log
echo Running stop_both %*

if "%1" == "force" goto force

net stop W3SVC
if errorlevel 1 "%SAFE%safekit" printe "stop_both: net stop W3SVC failed; the forced stop follows"
goto end

:force
rem On Windows, iisreset /stop stops all the IIS services at once; on Linux, where haven
rem runs this file with its batch interpreter, net stop goes to the unit of SERVICE_MAP.
if /i "%OS%" == "Windows_NT" (
  iisreset /stop /noforce
  if errorlevel 1 iisreset /stop
) else (
  net stop W3SVC
)
rem the worker processes of the application pools, if any is left (errorlevel 128: none)
taskkill /f /im w3wp.exe

:end
exit /b 0
