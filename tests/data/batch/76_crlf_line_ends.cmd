@echo off
set x=crlf
if "%x%"=="crlf" (
  echo windows line ends
)
