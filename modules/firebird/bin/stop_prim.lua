-- stop_prim: stop the server. Called gracefully first (SIGTERM to the verified server: its
-- clean shutdown), then with "force" (SIGKILL to the verified server). On a node where it does
-- not run, nothing is signalled.
local first = ...
local db = dofile(arg[0]:match("^(.*)/") .. "/firebird_app.lua")
local ok, err = db:stop(first == "force" and "force" or nil)
if not ok then
  haven.printe("stop_prim" .. (first == "force" and " force" or "") .. ": " .. err)
  os.exit(1)
end
