@echo off
"%SAFEBIN%boundcmd" 10 prog x
