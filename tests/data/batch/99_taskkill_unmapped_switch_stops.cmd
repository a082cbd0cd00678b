@echo off
taskkill /fi "status eq not responding"
