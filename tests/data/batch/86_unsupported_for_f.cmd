@echo off
for /f "tokens=1" %%a in (file.txt) do echo %%a
