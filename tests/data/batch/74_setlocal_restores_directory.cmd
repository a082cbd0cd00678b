@echo off
mkdir sub
setlocal
cd sub
echo %cd%
endlocal
echo %cd%
