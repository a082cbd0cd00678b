@echo off
for %%f in ("a b.txt" c.log) do echo [%%~f] [%%~nf] [%%~xf]
