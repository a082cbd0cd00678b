-- start_prim: this node becomes primary (after a takeover its data is the replicated copy,
-- which InnoDB recovers from its redo log as after a crash). Succeeds once SELECT 1 answers.
local from, to, action = ...
local db = dofile(arg[0]:match("^(.*)/") .. "/mysql_app.lua")
local ok, err = db:prepare()
if ok then ok, err = db:start() end
if not ok then
  haven.printe("start_prim: " .. err)
  os.exit(1)
end
haven.printi(("start_prim %s -> %s: MariaDB answers on port %s"):format(from, to, haven.env.MYSQL_PORT or "3306"))
