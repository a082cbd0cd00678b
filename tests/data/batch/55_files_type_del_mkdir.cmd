@echo off
mkdir x/y
echo data> x/y/f.txt
type x/y/f.txt
del /q x/y/f.txt
if not exist x/y/f.txt echo deleted
del nothing.txt
mkdir x
echo %errorlevel%
