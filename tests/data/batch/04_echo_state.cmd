@echo off
echo
@echo on
@echo
@echo off
