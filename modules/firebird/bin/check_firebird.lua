-- check_firebird.lua: the <custom> checker, called as the seed product calls one:
-- check_firebird.lua MODULE RESOURCE [SECONDS]. Attaches to FIREBIRD_DATABASE and runs SELECT 1
-- FROM RDB$DATABASE through the firebird plugin (over TCP) every SECONDS (default 10) while the
-- module is primary and sets RESOURCE (custom.firebird) up or down; haven stops it when the module leaves the primary role.
local module, resource, seconds = ...
seconds = tonumber(seconds) or 10
local db = dofile(arg[0]:match("^(.*)/") .. "/firebird_app.lua")
local last
while true do
  local ok, err = db:check()
  local value = ok and "up" or "down"
  if value ~= last then
    if ok then haven.printi("check_firebird: Firebird answers SELECT 1")
    else haven.printe("check_firebird: " .. err) end
    local r = haven.exec{ "haven", "set", "-r", resource, "-v", value, "-m", module, timeout = 30 }
    if r.code == 0 then last = value end
  end
  haven.sleep(seconds)
end
