-- prestart: runs when the module starts on this node, before any role is taken.
-- Arguments (as in the seed product): current state, next state, action.
local from, to, action = ...
haven.printi(("prestart %s -> %s (%s) on module %s"):format(from, to, action, haven.env.SAFEMODULE))
