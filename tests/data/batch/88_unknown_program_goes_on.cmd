@echo off
echo before
tasklist /fi "imagename eq x.exe"
echo after
