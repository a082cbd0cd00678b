@echo off
tasklist /v || echo tasklist failed
nosuchprog.exe x
echo errorlevel %errorlevel%
if errorlevel 9009 echo still going
