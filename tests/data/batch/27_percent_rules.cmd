@echo off
echo [%NOPE%]
echo 100%%
echo a%b
