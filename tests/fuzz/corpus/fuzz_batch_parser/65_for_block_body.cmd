@echo off
set sum=0
for %%v in (1 2 3) do (
  set /a sum+=%%v
  echo adding %%v
)
echo sum=%sum%
