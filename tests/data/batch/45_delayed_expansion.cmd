@echo off
setlocal EnableDelayedExpansion
set v=before
(
  set v=after
  echo in block: !v!
)
endlocal
echo outside: [%v%]
