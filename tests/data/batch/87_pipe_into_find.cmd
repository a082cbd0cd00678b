@echo off
echo x | find /i "X"
sc query W3SVC | findstr /c:"RUNNING" >nul
if errorlevel 1 (echo stopped) else (echo running)
find /var/log -name "*.log"
