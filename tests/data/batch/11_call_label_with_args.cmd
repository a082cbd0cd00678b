@echo off
call :greet World "two words"
echo back
goto :eof
:greet
echo Hello %1
echo second=%2 stripped=%~2
goto :eof
