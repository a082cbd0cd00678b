@echo off
ping -n 6 127.0.0.1 >nul
ping 10.0.0.1 -n 1 -w 500
ping host
