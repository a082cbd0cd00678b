@echo off
net use x: \\server\share
