@echo off
if 1==1 (
echo x
