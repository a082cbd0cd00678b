@echo off
for /f "tokens=1 frobnicate" %%a in ("x") do echo %%a
