-- prestart: the module starts on this node (STOP -> WAIT). As the seed product asks, make sure
-- none of the services runs yet, so that start_both starts them from a known state.
local from, to, action = ...
local services = dofile(arg[0]:match("^(.*)/") .. "/farm_services.lua")
local units = services.units()
haven.printi(("prestart %s -> %s (%s): stopping %s before the start"):format(from, to, action, table.concat(units, ", ")))
local failed = services.stop_all(units, false)
if #failed > 0 then
  haven.printe("prestart: could not stop " .. table.concat(failed, ", ") .. " (see the user log)")
  os.exit(1)
end
