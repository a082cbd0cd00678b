@echo off
if "%undefined%"=="" echo empty
if not "%undefined%"=="" echo not empty
