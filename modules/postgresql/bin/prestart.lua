-- prestart: the module starts on this node (STOP -> WAIT). As the seed product asks, leave no
-- server of this module running (one left by a crash): the forced stop signals only a
-- postmaster verified to work in PG_DATA on this node, never the process a replicated
-- postmaster.pid names. Then make the node ready (owner and mode of the files).
local pg = dofile(arg[0]:match("^(.*)/") .. "/postgresql_app.lua")
local ok, err = pg:stop("force")
if not ok then
  haven.printe("prestart: " .. err)
  os.exit(1)
end
ok, err = pg:prepare()
if not ok then
  haven.printe("prestart: " .. err)
  os.exit(1)
end
