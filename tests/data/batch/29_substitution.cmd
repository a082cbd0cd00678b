@echo off
set s=Hello World
echo %s:World=There%
echo %s:o=0%
echo [%s:*o=%]
echo %s:hello=Bye%
