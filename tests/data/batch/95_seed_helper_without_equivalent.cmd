@echo off
"%SAFEBIN%processtree" kill 12
