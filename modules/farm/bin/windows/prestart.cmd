@echo off

rem Script called when the module starts on this node (STOP -> WAIT): make sure none of the
rem services runs yet, so that start_both starts them from a known state

rem stdout goes into the user log
echo Running prestart %*

for %%S in (%SERVICES%) do net stop %%S
exit /b 0
