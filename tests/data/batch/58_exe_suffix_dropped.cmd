@echo off
prog.exe arg
"prog.exe" "x"
