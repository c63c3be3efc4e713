-- The garbage collector: memory counts, finalizers, weak tables and both
-- collector modes.

collectgarbage()
local base = collectgarbage("count")
ok("count is positive", base > 0)
local hold = {}
for i = 1, 100000 do hold[i] = { i } end
local grown = collectgarbage("count")
ok("count grows with 100000 tables", grown - base > 4000)
hold = nil
collectgarbage()
ok("count falls after collection", collectgarbage("count") < grown - 4000)

-- finalizers run once, in reverse order of marking, and can resurrect
local order = {}
for i = 1, 3 do
  setmetatable({}, { __gc = function() order[#order + 1] = i end })
end
collectgarbage()
collectgarbage()
eq("finalizers reverse order", table.concat(order, ","), "3,2,1")
local resurrected
do
  setmetatable({ tag = "back" }, { __gc = function(o) resurrected = o end })
end
collectgarbage()
eq("finalizer resurrects", resurrected and resurrected.tag, "back")
resurrected = nil
collectgarbage()
-- an error in a finalizer becomes a warning on standard error (gc.stderr
-- holds it) and the collection goes on
local ran = 0
warn("@on")
setmetatable({}, { __gc = function() ran = ran + 1; error("in finalizer", 0) end })
setmetatable({}, { __gc = function() ran = ran + 1 end })
collectgarbage()
warn("@off")
eq("error in finalizer is a warning", ran, 2)

-- weak tables
local weakk = setmetatable({}, { __mode = "k" })
local weakv = setmetatable({}, { __mode = "v" })
local keep = {}
weakk[keep] = 1
weakk[{}] = 2
weakv[1] = keep
weakv[2] = {}
weakv[3] = "strings are values"
collectgarbage()
local nk = 0
for _ in pairs(weakk) do nk = nk + 1 end
eq("weak keys cleared", nk, 1)
eq("weak values cleared", tostring(weakv[1] == keep) .. tostring(weakv[2]) .. weakv[3], "truenilstrings are values")
local eph = setmetatable({}, { __mode = "k" })
do
  local k = {}
  eph[k] = { ref = k }
end
collectgarbage()
eq("ephemeron cleared", next(eph), nil)

-- modes and parameters
eq("isrunning", collectgarbage("isrunning"), true)
collectgarbage("stop")
eq("stopped", collectgarbage("isrunning"), false)
collectgarbage("restart")
-- the stand-alone interpreter starts the collector in generational mode
eq("incremental from generational", collectgarbage("incremental"), "generational")
local junk = 0
for i = 1, 200000 do junk = junk + #{ i, i } end
eq("work in incremental mode", junk, 400000)
eq("generational from incremental", collectgarbage("generational"), "incremental")
collectgarbage("incremental")
local stepped = false
for _ = 1, 10000 do
  local _ = {}
  if collectgarbage("step", 0) then stepped = true break end
end
ok("step finishes a cycle", stepped)
eq("collect returns 0", collectgarbage("collect"), 0)
