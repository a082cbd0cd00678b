@echo off
false
echo %errorlevel%
exitwith 12
echo %errorlevel%
true
echo %errorlevel%
