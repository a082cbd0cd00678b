@echo off
%~dp0helpers/child.cmd z
echo never
