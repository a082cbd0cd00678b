-- apache_instance.lua: what apache_farm's hooks share (not a hook: loaded with dofile).
--
-- APACHE_CONFIG="module": an apache2 of the module's own, its ServerRoot under
-- $SAFEUSERVAR/apache2 (conf/httpd.conf written at each start, logs/, run/). Its processes
-- are recognised by their command line, which names that httpd.conf: a process is signalled
-- only once /proc says it is an apache2 started with our configuration, never because a pid
-- file says so.
-- APACHE_CONFIG="system": the system's apache2 (/etc/apache2), through systemctl when systemd
-- runs, apache2ctl otherwise; its processes are the apache2 ones started without -f.
local M = {}

M.binary = haven.env.APACHE_BIN or "/usr/sbin/apache2"
M.modules_dir = haven.env.APACHE_MODULES_DIR or "/usr/lib/apache2/modules"
M.mode = haven.env.APACHE_CONFIG or "module"
M.port = tonumber(haven.env.PORT or "")
M.listen_addr = haven.env.LISTEN_ADDR or "*"
M.document_root = haven.env.DOCUMENT_ROOT or "/var/www/html"
M.stop_wait = tonumber(haven.env.STOP_WAIT or "") or 30
M.home = (haven.env.SAFEUSERVAR or "/tmp") .. "/apache2"
M.conf = M.home .. "/conf/httpd.conf"

local function fail(message)
  haven.printe(message)
  os.exit(1)
end

-- The settings make sense, or the hook stops naming the one that does not.
function M.check_settings()
  if M.mode ~= "module" and M.mode ~= "system" then
    fail(('APACHE_CONFIG is "%s"; expected "module" or "system" (conf/userconfig.xml)'):format(M.mode))
  end
  if not M.port or M.port < 1 or M.port > 65535 or M.port % 1 ~= 0 then
    fail(('PORT is "%s"; expected a TCP port from 1 to 65535 (conf/userconfig.xml)'):format(haven.env.PORT or ""))
  end
  local f = io.open(M.binary, "r")
  if not f then fail(M.binary .. " is missing: install apache2 (apt-get install apache2) on this node") end
  f:close()
end

-- The address a client of this node reaches apache on, for the start's wait.
function M.probe_addr()
  if M.mode == "module" and M.listen_addr ~= "*" and M.listen_addr ~= "" then return M.listen_addr end
  return "127.0.0.1"
end

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local text = f:read("a")
  f:close()
  return text
end

local function systemd_runs()
  local f = io.open("/run/systemd/system", "r")
  if f then f:close() return true end
  return false
end
M.systemd_runs = systemd_runs

-- The arguments of a live process (nil when it is gone or a zombie, whose are empty).
local function arguments(pid)
  local raw = read_file("/proc/" .. pid .. "/cmdline")
  if not raw or raw == "" then return nil end
  local args = {}
  for a in raw:gmatch("([^%z]*)%z") do args[#args + 1] = a end
  return args
end

local function parent_of(pid)
  local status = read_file("/proc/" .. pid .. "/status") or ""
  return status:match("\nPPid:%s*(%d+)")
end

-- Is this argument list ours: "-f <our httpd.conf>" (module), or no "-f" at all (system)?
local function is_ours(args)
  for i = 1, #args do
    if args[i] == "-f" then return M.mode == "module" and args[i + 1] == M.conf end
  end
  return M.mode == "system"
end

-- The pids of our apache2 processes, read from /proc now.
function M.processes()
  local r = haven.exec{ "pgrep", "-x", "apache2", capture = true, timeout = 10 }
  local pids = {}
  for pid in (r.output or ""):gmatch("%d+") do
    local args = arguments(pid)
    if args and is_ours(args) then pids[#pids + 1] = pid end
  end
  return pids
end

-- The parent of our processes: the one whose own parent is not one of them.
function M.main_process(pids)
  local set = {}
  for _, p in ipairs(pids) do set[p] = true end
  for _, p in ipairs(pids) do
    if not set[parent_of(p) or ""] then return p end
  end
  return nil
end

-- Waits up to `seconds` for every process of ours to be gone; true when none is left.
function M.wait_gone(seconds)
  local left = math.max(1, math.floor(seconds * 5))
  for _ = 1, left do
    if #M.processes() == 0 then return true end
    haven.sleep(0.2)
  end
  return #M.processes() == 0
end

-- Sends `signal` to each pid, each checked again just before as a process of ours.
function M.signal(pids, signal)
  for _, pid in ipairs(pids) do
    local args = arguments(pid)
    if args and is_ours(args) then haven.exec{ "kill", "-" .. signal, "--", pid, timeout = 5 } end
  end
end

-- Writes conf/httpd.conf of the module's instance, and its folders.
function M.write_config()
  local d = io.open(M.document_root, "r")
  if not d then
    fail(("DOCUMENT_ROOT %s does not exist; create it (readable by www-data) or set DOCUMENT_ROOT in conf/userconfig.xml")
      :format(M.document_root))
  end
  d:close()
  haven.exec{ "mkdir", "-p", M.home .. "/conf", M.home .. "/logs", M.home .. "/run" }
  local listen = (M.listen_addr == "*" or M.listen_addr == "") and tostring(M.port)
      or (M.listen_addr:find(":") and ("[%s]:%d"):format(M.listen_addr, M.port))
      or ("%s:%d"):format(M.listen_addr, M.port)
  local lines = {
    "# Written by apache_farm's start_both at each start: change conf/userconfig.xml, not this file.",
    "# Add your own directives in the module's conf/apache_site*.conf (included below).",
    ('ServerRoot "%s"'):format(M.home),
  }
  for _, m in ipairs{ { "mpm_event_module", "mod_mpm_event.so" }, { "authz_core_module", "mod_authz_core.so" },
                      { "dir_module", "mod_dir.so" }, { "mime_module", "mod_mime.so" } } do
    lines[#lines + 1] = ("LoadModule %s %s/%s"):format(m[1], M.modules_dir, m[2])
  end
  local extra = {
    "ServerName " .. (haven.env.HAVEN_NODE or "localhost"),
    "Listen " .. listen,
    "PidFile run/apache2.pid",
    "DefaultRuntimeDir run",
    "ErrorLog logs/error.log",
    "LogLevel warn",
    'LogFormat "%h %l %u %t \\"%r\\" %>s %b" common',
    "CustomLog logs/access.log common",
    "User www-data",
    "Group www-data",
    "TypesConfig /etc/mime.types",
    ('DocumentRoot "%s"'):format(M.document_root),
    "DirectoryIndex index.html",
    "GracefulShutdownTimeout " .. math.max(1, M.stop_wait - 2),
    "<Directory />",
    "  Require all denied",
    "  AllowOverride None",
    "</Directory>",
    ('<Directory "%s">'):format(M.document_root),
    "  Require all granted",
    "</Directory>",
    ('IncludeOptional "%s/apache_site*.conf"'):format(haven.env.SAFEUSERCONF or (M.home .. "/conf")),
  }
  for _, l in ipairs(extra) do lines[#lines + 1] = l end
  local f = assert(io.open(M.conf, "w"))
  f:write(table.concat(lines, "\n"), "\n")
  f:close()
end

-- apache2 with the module instance's configuration and `args`.
function M.run_instance(args, seconds)
  local argv = { M.binary, "-f", M.conf, "-d", M.home }
  for _, a in ipairs(args) do argv[#argv + 1] = a end
  argv.timeout = seconds or 60
  return haven.exec(argv)
end

return M
