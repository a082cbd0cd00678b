@echo off
echo %~n1 %~x1 %~nx1 %~p1 %~dp1
