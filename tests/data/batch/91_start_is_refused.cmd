@echo off
start notepad.exe
