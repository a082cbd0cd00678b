@echo off
echo x> f.txt
if exist f.txt echo file
if not exist g.txt echo nofile
if exist "f.txt" echo quoted
mkdir d
if exist d\nul echo dir
if exist *.txt echo glob
