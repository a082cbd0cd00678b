@echo off

rem Script called on every node of the farm when it becomes UP: start the services

rem For logging into the module log use:
rem "%SAFE%safekit" printi | printe "message"

rem stdout goes into the user log
echo Running start_both %*

rem SERVICES comes from conf/userconfig.xml: "a, b" is started a first, then b
set res=0
for %%S in (%SERVICES%) do call :start_service %%S
if "%res%" == "0" goto end

"%SAFE%safekit" printe "start_both failed: %failed% did not start"

rem uncomment to stop the module on this node when critical
rem "%SAFE%safekit" stop -i "start_both"
exit /b 1

:start_service
if not "%res%" == "0" goto :eof
net start %1
if errorlevel 1 (
  set res=1
  set failed=%1
)
goto :eof

:end
"%SAFE%safekit" printi "start_both: %SERVICES% started"
