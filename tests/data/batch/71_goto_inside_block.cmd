@echo off
if 1==1 (
  echo leaving
  goto end
  echo not here
)
echo skipped
:end
echo end
