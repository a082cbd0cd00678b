@echo off
echo hidden >nul
echo hidden2 2>nul 1>NUL
type missing.txt 2>nul
echo %errorlevel%
echo shown
