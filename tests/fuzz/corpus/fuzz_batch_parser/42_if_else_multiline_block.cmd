@echo off
set x=1
if %x%==1 (
  echo one
  echo still one
) else (
  echo other
)
if %x%==2 (
  echo two
) else (
  echo not two
)
echo done
