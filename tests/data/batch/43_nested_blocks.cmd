@echo off
set a=1
set b=2
if %a%==1 (
  if %b%==2 (
    echo both
  ) else (
    echo only a
  )
  echo inner done
)
