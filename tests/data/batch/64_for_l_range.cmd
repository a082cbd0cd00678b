@echo off
for /l %%n in (1,2,7) do echo %%n
for /L %%n in (3,-1,1) do echo down %%n
