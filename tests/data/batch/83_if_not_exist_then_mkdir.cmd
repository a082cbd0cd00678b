@echo off
if not exist logs mkdir logs
if not exist logs mkdir logs
if exist logs echo logs ready %errorlevel%
