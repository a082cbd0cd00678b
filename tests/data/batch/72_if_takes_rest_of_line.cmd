@echo off
if 1==1 echo a & echo b
if 1==2 echo c & echo d
echo e
