@echo off
set g=global
setlocal
set g=local
set l=x
echo %g%
endlocal
echo %g% [%l%]
