@echo off
(
  echo header line
  echo ; a comment
  echo alpha 1
  echo.
  echo beta 2
) > data.txt
for /f "skip=1 tokens=1,2" %%n in (data.txt) do echo %%n=%%o
