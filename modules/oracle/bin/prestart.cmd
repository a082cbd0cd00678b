@echo off

rem Script called when the module starts on this node (STOP -> WAIT), before any role is
rem taken: the instance and the listener must not run yet, so that start_prim starts them
rem from a known state and the secondary never runs them. Stopped already is no error.

rem stdout goes into the user log
echo Running prestart %*

net stop "%INSTANCE_SERVICE%"
net stop "%LISTENER_SERVICE%"
exit /b 0
