@echo off
rem “%SAFE%safekit” printi | printe "message"
“%SAFE%safekit” printi “hello there”
