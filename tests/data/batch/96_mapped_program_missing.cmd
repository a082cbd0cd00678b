@echo off
set PATH=/nowhere
net stop X
