@echo off

rem Script called when the module starts on this node (STOP -> WAIT): IIS must not run
rem yet, so that start_both starts it from a known state

rem stdout goes into the user log
echo Running prestart %*

net stop W3SVC
exit /b 0
