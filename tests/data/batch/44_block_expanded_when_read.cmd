@echo off
set v=before
(
  set v=after
  echo in block: %v%
)
echo after block: %v%
