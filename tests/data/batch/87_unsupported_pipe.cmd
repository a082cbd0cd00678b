@echo off
echo x | find "x"
