-- start_prim: this node becomes primary (after a takeover its data is the replicated copy,
-- which Firebird opens as after a crash: with forced writes, every committed page is there).
-- Succeeds once SELECT 1 FROM RDB$DATABASE answers.
local from, to, action = ...
local db = dofile(arg[0]:match("^(.*)/") .. "/firebird_app.lua")
local ok, err = db:prepare()
if ok then ok, err = db:start() end
if not ok then
  haven.printe("start_prim: " .. err)
  os.exit(1)
end
haven.printi(("start_prim %s -> %s: Firebird answers on port %s"):format(from, to, haven.env.FIREBIRD_PORT or "3050"))
