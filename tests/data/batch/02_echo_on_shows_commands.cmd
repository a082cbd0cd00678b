echo hi
@echo off
echo bye
