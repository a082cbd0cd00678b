@echo off
if 1==2 (echo x) else echo y & echo z
if 1==1 echo literal else echo text
