@echo off
call :sub
goto :eof
:sub
echo %0 %~n0%~x0
if exist "%~dp0helpers\child.cmd" echo dp0 still the folder
