@echo off
echo main %1
call :sub x
echo main again %1
exit /b 0
:sub
echo sub %1 %2.
exit /b
