@echo off
set PID=-1
taskkill /f /pid %PID%
echo kill -1: %errorlevel%
taskkill /pid 0
taskkill /pid 12x
taskkill /pid +5
taskkill /f /im -v
taskkill /im --signal=HUP
taskkill /pid 42
