@echo off

rem Script called on every node of the farm when it becomes UP: start IIS

rem For logging into the module log use:
rem "%SAFE%safekit" printi | printe "message"

rem stdout goes into the user log
echo Running start_both %*

net start W3SVC
if errorlevel 1 goto failed

"%SAFE%safekit" printi "start_both: W3SVC started"
goto end

:failed
"%SAFE%safekit" printe "start_both failed: net start W3SVC"
rem uncomment to stop the module on this node when critical
rem "%SAFE%safekit" stop -i "start_both"
exit /b 1

:end
