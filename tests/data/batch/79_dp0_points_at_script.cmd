@echo off
if exist "%~dp0%~nx0" echo found myself
echo %~n0 %~x0
