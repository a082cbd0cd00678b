@echo off
set /a x=1+2*3
set /a y=(1+2)*3
set /a z=17/5
set /a m=17%%5
set /a n=-17/5
echo %x% %y% %z% %m% %n%
