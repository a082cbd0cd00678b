@echo off
echo "quoted text"
echo a   b
echo  leading
