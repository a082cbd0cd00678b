@echo off

rem Script called on the primary server for stopping application services

rem For logging into SafeKit log use:
rem “%SAFE%safekit” printi | printe "message"

rem ----------------------------------------------------------
rem
rem 2 stop modes:
rem
rem - graceful stop
rem call standard application stop with net stop
rem
rem - force stop (%1=force)
rem kill application's processes
rem
rem ----------------------------------------------------------

rem stdout goes into Application log
echo "Running stop_prim %*"

set res=0

rem default: no action on forcestop
if "%1" == "force" goto end

rem Fill with your services stop call

rem If necessary, uncomment to wait for the stop of the services
rem “%SAFEBIN%sleep” 10

if %res% == 0 goto end

“%SAFE%safekit” printe "stop_prim failed"

:end
