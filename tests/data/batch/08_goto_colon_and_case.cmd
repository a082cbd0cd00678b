@echo off
goto :Later
echo not shown
:LATER
echo later
