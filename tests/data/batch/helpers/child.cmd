@echo off
echo child got %1
set FROM_CHILD=yes
exit /b 3
