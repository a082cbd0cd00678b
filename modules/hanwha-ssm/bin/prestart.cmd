@echo off

rem Script called when the module starts on this node (STOP -> WAIT), before any role is
rem taken: stops the services of SERVICES (last first), so that start_prim starts them from a
rem known state and the secondary never runs them. A service already stopped is no error.

rem stdout goes into the user log
echo Running prestart %*

call :reverse_services
set "rest=%reversed%"
:stop_next
if "%rest%" == "" goto end
call :pop_service
if "%service%" == "" goto stop_next
net stop "%service%"
goto stop_next

:reverse_services
rem %reversed% = the names of SERVICES, last first, separated by commas
set "rest=%SERVICES%"
set "reversed="
:reverse_next
if "%rest%" == "" goto :eof
call :pop_service
if "%service%" == "" goto reverse_next
if defined reversed (
  set "reversed=%service%,%reversed%"
) else (
  set "reversed=%service%"
)
goto reverse_next

:pop_service
rem Moves the first name of %rest% into %service%, without the blanks around it. Only
rem commas separate names: "Milestone XProtect Log Server" is one service.
set "service="
for /f "tokens=1* delims=," %%A in ("%rest%") do (
  set "service=%%A"
  set "rest=%%B"
)
if not defined service set "rest="
:pop_trim_left
if "%service:~0,1%" == " " (
  set "service=%service:~1%"
  goto pop_trim_left
)
:pop_trim_right
if "%service:~-1%" == " " (
  set "service=%service:~0,-1%"
  goto pop_trim_right
)
goto :eof

:end
exit /b 0
