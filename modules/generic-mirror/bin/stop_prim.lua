-- stop_prim: stop the application. Called twice: gracefully, then with "force" first.
local first = ...
local force = first == "force"
local pidfile = haven.env.SAFEUSERVAR .. "/app.pid"
local f = io.open(pidfile, "r")
if not f then
  print("stop_prim: no application running")
  return
end
local pid = f:read("l")
f:close()
haven.printi(("stop_prim%s: stopping the web server (pid %s)"):format(force and " force" or "", pid))
haven.exec{ "kill", force and "-KILL" or "-TERM", pid }
if force then os.remove(pidfile) end
