-- stop_both: this node leaves UP. Called twice, as in the seed product: first gracefully
-- (stop the services, last first), then with "force" first (kill whatever is left of them).
local first = ...
local force = first == "force"
local services = dofile(arg[0]:match("^(.*)/") .. "/farm_services.lua")
local units = services.units()
local failed = services.stop_all(units, force)
if #failed > 0 then
  -- The graceful call may fail: the forced one follows. A forced call that fails leaves
  -- processes behind, which the administrator must know.
  haven.printe(("stop_both%s: %s did not stop"):format(force and " force" or "", table.concat(failed, ", ")))
  os.exit(1)
end
haven.printi(("stop_both%s: %s stopped"):format(force and " force" or "", table.concat(units, ", ")))
