@echo off
call %~dp0helpers/child.cmd arg1
echo back %errorlevel% %FROM_CHILD%
