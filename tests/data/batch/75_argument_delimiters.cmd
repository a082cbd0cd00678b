@echo off
call :show a=b,c;d
goto :eof
:show
echo 1=%1 2=%2 3=%3 4=%4
