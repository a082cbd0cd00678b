@echo off
prog "a b" c "" "x""y" d,e
