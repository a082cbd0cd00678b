@echo off

rem Script called on the primary server for stopping the virtual machine

rem For logging into the module log use:
rem "%SAFE%safekit" printi | printe "message"

rem ----------------------------------------------------------
rem
rem 2 stop modes, each set in conf/userconfig.xml to stop (shut the guest down), save (save
rem its memory state) or off (turn it off):
rem
rem - graceful stop: NORMAL_STOP
rem
rem - force stop (%1=force): FORCE_STOP, when the graceful stop failed or ran out of time
rem
rem ----------------------------------------------------------

rem stdout goes into the user log
echo Running stop_prim %*

set "how=%NORMAL_STOP%"
if "%1" == "force" set "how=%FORCE_STOP%"

set "switch="
if /i "%how%" == "stop" set "switch=-Force"
if /i "%how%" == "save" set "switch=-Save"
if /i "%how%" == "off" set "switch=-TurnOff"
if not defined switch (
  "%SAFE%safekit" printe "stop_prim: NORMAL_STOP or FORCE_STOP is '%how%', expected stop, save or off; turning the VM off"
  set "switch=-TurnOff"
)

powershell -NoProfile -NonInteractive -Command "Stop-VM -Name '%VM_NAME%' %switch% -ErrorAction Stop"
if errorlevel 1 if not "%1" == "force" "%SAFE%safekit" printe "stop_prim: Stop-VM %VM_NAME% %switch% failed; the forced stop follows"

exit /b 0
