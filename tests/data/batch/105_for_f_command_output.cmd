@echo off
for /f "tokens=2 delims==" %%v in ('set ZZ_SECRET') do set copy=%%v
echo %copy%
for /f "usebackq tokens=*" %%x in (`echo from usebackq`) do echo got %%x
