@echo off
cd
echo %cd%
mkdir sub
cd sub
echo %cd%
cd ..
echo %cd%
cd nowhere
echo %errorlevel%
