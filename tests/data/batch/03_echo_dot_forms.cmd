@echo off
echo.
echo.text after dot
echo:colon form
echo/slash form
