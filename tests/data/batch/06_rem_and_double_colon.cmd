@echo off
rem a comment
REM another one & echo not run
:: a label-style comment
  rem indented
echo after comments
