@echo off
echo a& echo b& echo c
