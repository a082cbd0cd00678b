@echo off
echo first> out.txt
echo second>> out.txt
type out.txt
