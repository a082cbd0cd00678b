@echo off
for /f "tokens=1,3 delims=," %%a in ("one,two,three") do echo %%a-%%b
for /f "tokens=2*" %%a in ("k  v1 v2  v3") do echo [%%a] [%%b]
for /f "tokens=*" %%l in ("   lead trimmed") do echo [%%l]
