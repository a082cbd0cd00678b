-- prestart: the module starts on this node (STOP -> WAIT). As the seed product asks, leave
-- no apache of this module running (one left from a crash, or the system's apache2 started
-- at boot in APACHE_CONFIG="system"), so that start_both starts it from a known state.
local apache = dofile(arg[0]:match("^(.*)/") .. "/apache_instance.lua")
apache.check_settings()
local pids = apache.processes()
if #pids == 0 then return end
haven.printi("prestart: stopping the apache2 already running (" .. table.concat(pids, " ") .. ")")
if apache.mode == "system" and apache.systemd_runs() then
  haven.exec{ "systemctl", "stop", "apache2", timeout = apache.stop_wait + 10 }
else
  local main = apache.main_process(pids)
  if main then apache.signal({ main }, "TERM") end
end
if not apache.wait_gone(apache.stop_wait) then
  apache.signal(apache.processes(), "KILL")
  if not apache.wait_gone(10) then
    haven.printe("prestart: apache2 processes still there after SIGKILL: " .. table.concat(apache.processes(), " "))
    os.exit(1)
  end
end
