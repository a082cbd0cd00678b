@echo off
"%SAFE%safekit" printe "msg here"
%SAFEBIN%safekit printi done
