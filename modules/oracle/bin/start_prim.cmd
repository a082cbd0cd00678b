@echo off

rem Script called on the primary server for starting the Oracle listener and instance

rem For logging into the module log use:
rem "%SAFE%safekit" printi | printe "message"

rem stdout goes into the user log
echo Running start_prim %*

rem The listener first, so that the instance registers with it when it opens
net start "%LISTENER_SERVICE%"
if errorlevel 1 (
  set "failed=net start %LISTENER_SERVICE%"
  goto failed
)
net start "%INSTANCE_SERVICE%"
if errorlevel 1 (
  set "failed=net start %INSTANCE_SERVICE%"
  goto failed
)

rem The instance's service opens the database itself when ORA_%ORACLE_SID%_AUTOSTART is TRUE;
rem startup opens it otherwise (and says ORA-01081 when it is open already).
echo startup| sqlplus -S -L "/ as sysdba"

rem The database must be open now
echo select status from v$instance;| sqlplus -S -L "/ as sysdba" | findstr /i /c:"OPEN" >nul
if errorlevel 1 (
  set "failed=the instance %ORACLE_SID% is not OPEN after startup"
  goto failed
)
"%SAFE%safekit" printi "start_prim: listener and instance %ORACLE_SID% started, database open"
goto end

:failed
"%SAFE%safekit" printe "start_prim failed: %failed%"

rem uncomment to stop the module when critical (the failed hook already makes the
rem module give up this start)
rem "%SAFE%safekit" stop -i "start_prim"
exit /b 1

:end
