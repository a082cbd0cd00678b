@echo off
mkdir a
pushd a
echo %cd%
popd
echo %cd%
