-- start_both: this node becomes UP in the farm. Starts each service in the order of SERVICES,
-- checks that systemd sees it active, and fails (the node leaves the farm, its stop hooks
-- run) as soon as one does not start.
local from, to, action = ...
local services = dofile(arg[0]:match("^(.*)/") .. "/farm_services.lua")
for _, unit in ipairs(services.units()) do
  local ok, r = services.systemctl("start", unit)
  if not ok then
    haven.printe(("start_both: systemctl start %s failed (exit code %d%s)")
      :format(unit, r.code, r.timed_out and ", timed out" or ""))
    os.exit(1)
  end
  if not services.systemctl("is-active", unit, 30) then
    haven.printe(("start_both: %s is not active after systemctl start; see journalctl -u %s"):format(unit, unit))
    os.exit(1)
  end
  haven.printi(("start_both %s -> %s: %s started"):format(from, to, unit))
end
