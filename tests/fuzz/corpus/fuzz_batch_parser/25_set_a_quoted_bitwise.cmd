@echo off
set /a "r=6&3"
set /a "s=1<<4"
set /a "t=5|2"
set /a "u=5^1"
set /a "v=~0"
set /a "w=!0"
set /a "x=256>>2"
echo %r% %s% %t% %u% %v% %w% %x%
