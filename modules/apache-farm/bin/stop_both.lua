-- stop_both: this node leaves UP. Called twice, as in the seed product:
--   graceful: apache finishes the requests under way (graceful-stop), for STOP_WAIT seconds;
--   "force" first: every process of this apache still there is killed.
-- Only processes that /proc shows to be this module's apache2 are signalled (see
-- apache_instance.lua): never a pid merely read from a file.
local first = ...
local force = first == "force"
local apache = dofile(arg[0]:match("^(.*)/") .. "/apache_instance.lua")

if force then
  local pids = apache.processes()
  if #pids == 0 then
    haven.printi("stop_both force: no apache2 process of this module left")
    return
  end
  if apache.mode == "system" and apache.systemd_runs() then
    haven.exec{ "systemctl", "kill", "--signal=SIGKILL", "apache2", timeout = 30 }
  end
  apache.signal(pids, "KILL")
  if not apache.wait_gone(10) then
    haven.printe("stop_both force: apache2 processes still there after SIGKILL: " .. table.concat(apache.processes(), " "))
    os.exit(1)
  end
  if apache.mode == "system" and apache.systemd_runs() then
    haven.exec{ "systemctl", "reset-failed", "apache2", timeout = 30 }
  end
  haven.printi("stop_both force: killed apache2 (" .. table.concat(pids, " ") .. ")")
  return
end

local pids = apache.processes()
if #pids == 0 then
  haven.printi("stop_both: apache2 is not running")
  return
end
if apache.mode == "system" and apache.systemd_runs() then
  haven.exec{ "systemctl", "stop", "apache2", timeout = apache.stop_wait + 10 }
else
  local main = apache.main_process(pids)
  if not main then
    haven.printe("stop_both: no main apache2 process among " .. table.concat(pids, " ") .. "; the forced stop follows")
    os.exit(1)
  end
  -- SIGWINCH is apache's graceful-stop: no new connection, the current requests finish.
  apache.signal({ main }, "WINCH")
end
if not apache.wait_gone(apache.stop_wait) then
  haven.printe(("stop_both: apache2 still running %d s after its graceful stop (%s); the forced stop follows")
    :format(apache.stop_wait, table.concat(apache.processes(), " ")))
  os.exit(1)
end
haven.printi("stop_both: apache2 stopped gracefully")
