@echo off
set /a x=1/0
echo %errorlevel%
