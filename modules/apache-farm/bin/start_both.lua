-- start_both: this node becomes UP in the farm: start apache, and succeed only once it
-- accepts connections on its port (the virtual IP and this node's share of the clients
-- come right after).
local from, to, action = ...
local apache = dofile(arg[0]:match("^(.*)/") .. "/apache_instance.lua")
apache.check_settings()

if #apache.processes() > 0 then
  haven.printe("start_both: an apache2 of this module is already running; prestart should have stopped it")
  os.exit(1)
end

if apache.mode == "module" then
  apache.write_config()
  local syntax = apache.run_instance({ "-t" }, 30)
  if syntax.code ~= 0 then
    haven.printe("start_both: apache2 -t refuses " .. apache.conf .. " (the reason is in the user log)")
    os.exit(1)
  end
  local r = apache.run_instance({ "-k", "start" }, 60)
  if r.code ~= 0 then
    haven.printe(("start_both: apache2 -k start failed (exit code %d); see %s/logs/error.log"):format(r.code, apache.home))
    os.exit(1)
  end
elseif apache.systemd_runs() then
  local r = haven.exec{ "systemctl", "start", "apache2", timeout = 120 }
  if r.code ~= 0 then
    haven.printe("start_both: systemctl start apache2 failed; see journalctl -u apache2")
    os.exit(1)
  end
else
  local r = haven.exec{ "apache2ctl", "start", timeout = 60 }
  if r.code ~= 0 then
    haven.printe("start_both: apache2ctl start failed; see /var/log/apache2/error.log")
    os.exit(1)
  end
end

local addr = apache.probe_addr()
if not haven.wait_tcp(addr, apache.port, 30) then
  haven.printe(("start_both: apache2 started but nothing answers on %s:%d after 30 s"):format(addr, apache.port))
  os.exit(1)
end
haven.printi(("start_both %s -> %s: apache2 (%s) answers on %s:%d"):format(from, to, apache.mode, addr, apache.port))
