@echo off
if /i ABC==abc echo ci-equal
if ABC==abc (echo cs-equal) else (echo cs-different)
