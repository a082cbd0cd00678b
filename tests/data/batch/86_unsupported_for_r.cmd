@echo off
for /r %%f in (*.log) do echo %%f
