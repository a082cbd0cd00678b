-- stop_prim: stop the server. Called gracefully first (pg_ctl stop -m fast: the sessions are
-- ended, a checkpoint written), then with "force" (-m immediate, then SIGKILL of a verified
-- postmaster). On a node where it does not run, nothing is signalled.
local first = ...
local pg = dofile(arg[0]:match("^(.*)/") .. "/postgresql_app.lua")
local ok, err = pg:stop(first == "force" and "force" or nil)
if not ok then
  haven.printe("stop_prim" .. (first == "force" and " force" or "") .. ": " .. err)
  os.exit(1)
end
