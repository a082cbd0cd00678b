@echo off
set X=inner
call echo %%X%%
set name=X
call echo via name: %%%name%%%
