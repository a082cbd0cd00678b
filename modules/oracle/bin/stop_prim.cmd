@echo off

rem Script called on the primary server for stopping the Oracle instance and listener

rem For logging into the module log use:
rem "%SAFE%safekit" printi | printe "message"

rem ----------------------------------------------------------
rem
rem 2 stop modes:
rem
rem - graceful stop
rem   shutdown immediate (sessions rolled back, the database closed cleanly), then the
rem   instance's and the listener's services stopped
rem
rem - force stop (%1=force), when the graceful stop failed or ran out of time
rem   shutdown abort (the instance ends at once, as after a crash: the next startup
rem   recovers it from the redo logs), then the services stopped again
rem
rem ----------------------------------------------------------

rem stdout goes into the user log
echo Running stop_prim %*

if "%1" == "force" goto force

echo shutdown immediate| sqlplus -S -L "/ as sysdba"
net stop "%INSTANCE_SERVICE%"
net stop "%LISTENER_SERVICE%"
goto end

:force
echo shutdown abort| sqlplus -S -L "/ as sysdba"
net stop "%INSTANCE_SERVICE%"
net stop "%LISTENER_SERVICE%"

:end
exit /b 0
