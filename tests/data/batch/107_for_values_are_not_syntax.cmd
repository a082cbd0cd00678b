@echo off
echo x ^& echo injected ^| more ^> out.txt (1) ^^ done %%b> data.txt
for /f "delims=" %%a in (data.txt) do echo line: %%a
for /f "delims=" %%a in (data.txt) do (
  echo block: %%a
)
for /f "tokens=1,2 delims=," %%a in ("one%%b,two") do echo [%%a] [%%b]
echo x> "a & echo PWNED & .log"
for %%f in (*.log) do echo found %%f
for %%f in (*.log) do if "%%f"=="a & echo PWNED & .log" echo same name
for %%f in (*.log) do echo [%%~nf]>> names.txt
type names.txt
for /l %%n in (1,1,2) do for %%f in (*.log) do echo %%n: %%f
if exist out.txt echo a file named out.txt was made
