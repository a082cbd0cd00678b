@echo off
goto nowhere
