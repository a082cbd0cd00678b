@echo off
set /a a=2, b=a*3, c=b-a
set /a d=undefinedvar+1
set s=12
set /a e=s*2
echo %a% %b% %c% %d% %e%
