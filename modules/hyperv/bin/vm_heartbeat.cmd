@echo off

rem Custom checker of the VM's heartbeat (<check><custom exec="vm_heartbeat.cmd">).
rem Called as: vm_heartbeat.cmd MODULE RESOURCE [PERIOD [LOSSES [START_LOOKS]]]
rem Every PERIOD seconds (default 5) it asks Hyper-V, through vm_heartbeat.ps1, how the VM
rem named VM_NAME is (up: running and its heartbeat answers; down: its heartbeat is lost;
rem off: not running), and sets RESOURCE: up; down when the VM is off, or when the heartbeat
rem is lost LOSSES times in a row (default 2). The first START_LOOKS looks (default 12) do
rem not count a lost heartbeat, while the guest boots. It runs until haven stops it.

set "module=%1"
set "resource=%2"
set "period=%3"
set "losses=%4"
set "start_looks=%5"
if "%period%" == "" set period=5
if "%losses%" == "" set losses=2
if "%start_looks%" == "" set start_looks=12

set "reported="
set lost=0
set looks=0

:look
set /a looks+=1
set "state=down"
for /f "usebackq tokens=1" %%S in (`powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -File "%~dp0vm_heartbeat.ps1" "%VM_NAME%"`) do set "state=%%S"

if "%state%" == "up" (
  set lost=0
  set "start_looks=0"
  goto report
)
if "%state%" == "off" goto report
rem down: a lost heartbeat counts once the start looks are over
if %looks% LEQ %start_looks% goto wait
set /a lost+=1
if %lost% LSS %losses% goto wait

:report
set "value=up"
if not "%state%" == "up" set "value=down"
if "%value%" == "%reported%" goto wait
"%SAFE%safekit" set -r %resource% -v %value% -m %module%
echo vm_heartbeat: %VM_NAME% is %state%: %resource% set to %value%
set "reported=%value%"

:wait
"%SAFEBIN%sleep" %period%
goto look
