-- start_prim: this node becomes primary (after a takeover its data is the replicated copy,
-- which PostgreSQL recovers from its WAL as after a crash). Succeeds once SELECT 1 answers.
local from, to, action = ...
local pg = dofile(arg[0]:match("^(.*)/") .. "/postgresql_app.lua")
local ok, err = pg:prepare()
if ok then ok, err = pg:start() end
if not ok then
  haven.printe("start_prim: " .. err)
  os.exit(1)
end
haven.printi(("start_prim %s -> %s: PostgreSQL %s answers on port %s"):format(from, to, haven.env.PG_VERSION or "",
  haven.env.PG_PORT or "5432"))
