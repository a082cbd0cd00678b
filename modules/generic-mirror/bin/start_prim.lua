-- start_prim: start the application on the node that becomes primary.
local from, to, action = ...
local port = haven.env.APP_PORT or "18080"
local var = haven.env.SAFEUSERVAR
-- The pages live in the replicated directory: what the primary writes there, the next
-- primary serves after a failover.
local www = (haven.env.APP_DATA or var) .. "/www"
local pidfile = var .. "/app.pid"

haven.exec{ "mkdir", "-p", www }
local page = assert(io.open(www .. "/index.html", "w"))
page:write(("<h1>generic-mirror</h1><p>served by %s, primary since %s</p>\n")
  :format(haven.env.HAVEN_NODE or "?", os.date("%Y-%m-%d %H:%M:%S")))
page:close()

haven.printi(("start_prim %s -> %s: starting the web server on 127.0.0.1:%s"):format(from, to, port))
local r = haven.exec{ "/bin/sh", "-c",
  ('python3 -m http.server --bind 127.0.0.1 --directory "%s" %s >"%s/app.log" 2>&1 & echo $! >"%s"')
    :format(www, port, var, pidfile),
  timeout = 10 }
if r.code ~= 0 then
  haven.printe("start_prim: the web server did not start: " .. (r.output or ""))
  os.exit(1)
end
if not haven.wait_tcp("127.0.0.1", tonumber(port), 15) then
  haven.printe(("start_prim: nothing answers on 127.0.0.1:%s after 15 s"):format(port))
  os.exit(1)
end
haven.printi("start_prim: the web server answers on 127.0.0.1:" .. port)
