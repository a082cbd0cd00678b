@echo off
echo %1
shift
echo %1 %2
shift
echo %1 [%2]
echo %*
