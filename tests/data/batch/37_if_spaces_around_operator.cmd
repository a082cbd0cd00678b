@echo off
set res=0
if %res% == 0 goto end
echo not reached
:end
echo end
