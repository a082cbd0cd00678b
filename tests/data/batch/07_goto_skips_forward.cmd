@echo off
goto skip
echo not shown
:skip
echo shown
