@echo off
if a==a echo same
if a==b echo diff
if "%1"=="x" echo first is x
if not a==b echo not equal
