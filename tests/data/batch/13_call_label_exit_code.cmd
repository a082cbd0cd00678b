@echo off
call :fails
echo errorlevel=%errorlevel%
exit /b
:fails
exit /b 7
