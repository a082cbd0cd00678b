-- farm_services.lua: what the farm module's Lua hooks share (not a hook: loaded with dofile).
-- The services are systemd units, named in $SERVICES ("a, b"), started in that order and
-- stopped in the reverse order, with systemctl.
local M = {}

-- The units of $SERVICES, in order; the hook stops with an error naming the variable when
-- it is empty.
function M.units()
  local list = haven.env.SERVICES or ""
  local units = {}
  for unit in list:gmatch("[^,%s]+") do units[#units + 1] = unit end
  if #units == 0 then
    haven.printe("SERVICES is empty: set <macro name=\"SERVICES\"> in conf/userconfig.xml to the units to run")
    os.exit(1)
  end
  return units
end

function M.reversed(units)
  local out = {}
  for i = #units, 1, -1 do out[#out + 1] = units[i] end
  return out
end

-- systemctl VERB UNIT, bounded in time; returns true when it exited 0.
function M.systemctl(verb, unit, seconds)
  local r = haven.exec{ "systemctl", verb, unit, timeout = seconds or 120 }
  return r.code == 0, r
end

-- Stops the units, last first. `force`: kill what is left of each (systemd knows every
-- process of a unit, so nothing else is touched), then stop it to reset its state.
-- Returns the units that did not stop.
function M.stop_all(units, force)
  local failed = {}
  for _, unit in ipairs(M.reversed(units)) do
    if force then
      haven.exec{ "systemctl", "kill", "--signal=SIGKILL", unit, timeout = 30 }
    end
    local ok = M.systemctl("stop", unit)
    if not ok then failed[#failed + 1] = unit end
  end
  return failed
end

return M
