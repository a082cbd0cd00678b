@echo off
echo before
exit /b 4
echo after
