-- mysql_app.lua: what the hooks share (not a hook: loaded with dofile). Makes the mysql
-- application plugin's object from the module's <user><var> settings: a MariaDB server of the
-- module's own on MYSQL_DATA, started with mysql_server.cnf (the durability settings).
local bin = haven.env.SAFEUSERBIN or arg[0]:match("^(.*)/")
local settings = {
  data = haven.env.MYSQL_DATA,
  port = haven.env.MYSQL_PORT or "3306",
  user = haven.env.MYSQL_USER or "mysql",
  run_dir = haven.env.MYSQL_RUN_DIR,
  config = bin .. "/mysql_server.cnf",
  -- The server's own log stays on this node, beside the module's other logs.
  log = (haven.env.SAFEUSERVAR or "/var/log/mysql") .. "/mysql.err",
  -- Both graceful and forced stops stay within the module's stop timeouts (90 s, 30 s).
  stop_timeout = 60,
  start_timeout = 120,
}
if not settings.data or settings.data == "" then
  haven.printe("MYSQL_DATA is empty: set <macro name=\"MYSQL_DATA\"> in conf/userconfig.xml to the server's datadir")
  os.exit(1)
end
return haven.app("mysql", settings)
