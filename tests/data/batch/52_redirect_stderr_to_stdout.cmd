@echo off
type nofile.txt > err.txt 2>&1
type err.txt
