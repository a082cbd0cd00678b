@echo off
findstr /s "TODO" *.txt
