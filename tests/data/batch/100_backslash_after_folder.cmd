@echo off
mkdir logs
echo x> logs\a.txt
type logs\a.txt
if exist logs\a.txt echo found with backslash
if exist %~dp0helpers\child.cmd echo helper found
call %~dp0helpers\child.cmd bs
echo y> nodir\b.txt
if exist "nodir\b.txt" type "nodir\b.txt"
