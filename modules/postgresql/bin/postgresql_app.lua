-- postgresql_app.lua: what the hooks share (not a hook: loaded with dofile). Makes the
-- postgresql application plugin's object from the module's <user><var> settings.
local settings = {
  version = haven.env.PG_VERSION,
  data = haven.env.PG_DATA,
  port = haven.env.PG_PORT or "5432",
  user = haven.env.PG_USER or "postgres",
  socket_dir = haven.env.PG_SOCKET_DIR,
  -- The server's own log stays on this node, beside the module's other logs.
  log = (haven.env.SAFEUSERVAR or "/var/log/postgresql") .. "/postgresql.log",
  -- Both graceful and forced stops stay within the module's stop timeouts (90 s, 30 s).
  stop_timeout = 60,
}
if not settings.data or settings.data == "" then
  haven.printe("PG_DATA is empty: set <macro name=\"PG_DATA\"> in conf/userconfig.xml to the cluster's data directory")
  os.exit(1)
end
return haven.app("postgresql", settings)
