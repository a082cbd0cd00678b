@echo off
setlocal
set r=42
endlocal & set result=%r%
echo %result% [%r%]
