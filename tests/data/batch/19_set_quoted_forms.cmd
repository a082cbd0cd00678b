@echo off
set "q=with quotes"
set "t=trail"   ignored
set v="kept"
echo [%q%] [%t%] [%v%]
