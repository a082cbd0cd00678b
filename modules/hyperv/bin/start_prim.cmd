@echo off

rem Script called on the primary server for starting the virtual machine

rem For logging into the module log use:
rem "%SAFE%safekit" printi | printe "message"

rem stdout goes into the user log
echo Running start_prim %*

net start vmms
powershell -NoProfile -NonInteractive -Command "Start-VM -Name '%VM_NAME%' -ErrorAction Stop"
if errorlevel 1 goto failed

"%SAFE%safekit" printi "start_prim: VM %VM_NAME% started"
goto end

:failed
"%SAFE%safekit" printe "start_prim failed: Start-VM %VM_NAME%"

rem uncomment to stop the module when critical (the failed hook already makes the
rem module give up this start)
rem "%SAFE%safekit" stop -i "start_prim"
exit /b 1

:end
