@echo off
> first.txt echo written
type first.txt
