@echo off
set s=abcdef
echo %s:~1,3% %s:~-2% %s:~2% %s:~0,-2% [%s:~10%]
