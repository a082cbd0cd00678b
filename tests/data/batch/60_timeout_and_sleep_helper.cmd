@echo off
timeout /t 5 /nobreak >nul
"%SAFEBIN%sleep" 3
%SAFEBIN%sleep.exe 2
echo %errorlevel%
