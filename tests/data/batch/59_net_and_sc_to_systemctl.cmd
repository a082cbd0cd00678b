@echo off
net stop MSSQLSERVER
net start "My Service"
sc query W3SVC
sc start Spooler
set CMD_SERVICE_MAP=MSSQL$SQLEXPRESS=mssql-server;W3SVC=nginx
net start MSSQL$SQLEXPRESS
net stop w3svc
