@echo off
echo hello world
