@echo off
if "%1" == "force" (
  taskkill /F /IM sqlservr.exe
  taskkill /pid 1234
)
