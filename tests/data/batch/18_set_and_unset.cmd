@echo off
set greeting=hello world
set gone=x
set gone=
echo %greeting%
