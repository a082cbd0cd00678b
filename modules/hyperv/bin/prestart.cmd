@echo off

rem Script called when the module starts on this node (STOP -> WAIT), before any role is
rem taken: Hyper-V must not start the VM by itself when the host boots (haven starts it on
rem the primary only), and the Hyper-V management service must run.

rem stdout goes into the user log
echo Running prestart %*

net start vmms
powershell -NoProfile -NonInteractive -Command "Set-VM -Name '%VM_NAME%' -AutomaticStartAction Nothing -ErrorAction Stop"
if errorlevel 1 "%SAFE%safekit" printe "prestart: the VM %VM_NAME% is not registered on this node (Get-VM); import it from %VM_PATH%"
exit /b 0
