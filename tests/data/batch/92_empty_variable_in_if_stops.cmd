@echo off
if %res% == 0 echo zero
