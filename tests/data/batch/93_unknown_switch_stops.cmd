@echo off
del /s *.tmp
