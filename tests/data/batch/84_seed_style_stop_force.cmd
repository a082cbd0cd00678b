@echo off
echo "Running stop_prim %*"
set res=0
if "%1" == "force" goto end
echo graceful
:end
