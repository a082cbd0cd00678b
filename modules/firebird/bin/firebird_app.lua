-- firebird_app.lua: what the hooks share (not a hook: loaded with dofile). Makes the firebird
-- application plugin's object from the module's <user><var> settings: a Firebird SuperServer
-- of the module's own on FIREBIRD_DATA, with firebird_server.conf's lines in its configuration.
local bin = haven.env.SAFEUSERBIN or arg[0]:match("^(.*)/")
local port = haven.env.FIREBIRD_PORT or "3050"
local settings = {
  data = haven.env.FIREBIRD_DATA,
  database = haven.env.FIREBIRD_DATABASE or "haven.fdb",
  port = port,
  user = haven.env.FIREBIRD_USER or "firebird",
  run_dir = haven.env.FIREBIRD_RUN_DIR,
  password_file = haven.env.FIREBIRD_PASSWORD_FILE,
  config = bin .. "/firebird_server.conf",
  -- The server's own output stays on this node, beside the module's other logs.
  log = (haven.env.SAFEUSERVAR or "/var/log/firebird") .. "/firebird.log",
  -- Both graceful and forced stops stay within the module's stop timeouts (90 s, 30 s).
  stop_timeout = 60,
  start_timeout = 120,
}
if not settings.data or settings.data == "" then
  haven.printe("FIREBIRD_DATA is empty: set <macro name=\"FIREBIRD_DATA\"> in conf/userconfig.xml to the folder of the databases")
  os.exit(1)
end
return haven.app("firebird", settings)
