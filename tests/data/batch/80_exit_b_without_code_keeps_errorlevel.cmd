@echo off
false
exit /b
