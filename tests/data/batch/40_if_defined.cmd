@echo off
set A=1
if defined A echo A-def
if not defined B echo B-undef
if defined a echo a-def-too
