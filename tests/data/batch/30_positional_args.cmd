@echo off
echo 1=%1 2=%2 3=%3 9=[%9]
echo all=%*
echo stripped=%~2
