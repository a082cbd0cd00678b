-- prestart: the module starts on this node (STOP -> WAIT). As the seed product asks, leave no
-- server of this module running (one left by a crash): the forced stop signals only a process
-- verified to be the firebird program started on FIREBIRD_DATA on this node, never what a pid
-- file names. Then make the node ready (owner of the files, the instance's run folder).
local db = dofile(arg[0]:match("^(.*)/") .. "/firebird_app.lua")
local ok, err = db:stop("force")
if not ok then
  haven.printe("prestart: " .. err)
  os.exit(1)
end
ok, err = db:prepare()
if not ok then
  haven.printe("prestart: " .. err)
  os.exit(1)
end
