@echo off
echo c> a.txt
copy a.txt b.txt
type b.txt
mkdir d
copy /y a.txt d
type d/a.txt
move b.txt m.txt
if not exist b.txt echo moved
copy nothere.txt x.txt
echo %errorlevel%
