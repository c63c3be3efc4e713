-- Control flow: goto and labels, loops, scoping, integer/float loop
-- variables and to-be-closed variables.

local out = {}
for i = 1, 6 do
  if i % 2 == 0 then goto continue end
  out[#out + 1] = i
  ::continue::
end
eq("goto continue", table.concat(out, ","), "1,3,5")

local found
for i = 1, 5 do
  for j = 1, 5 do
    if i * j == 12 then found = i .. "x" .. j; goto done end
  end
end
::done::
eq("goto out of nested loops", found, "3x4")

local k = 0
::again::
k = k + 1
if k < 5 then goto again end
eq("goto backwards", k, 5)

do
  local s = 0
  local i = 1
  ::top::
  do
    local captured = i
    out[i] = function() return captured end
  end
  s = s + i
  i = i + 1
  if i <= 3 then goto top end
  eq("goto loop closures", out[1]() + out[2]() * 10 + out[3]() * 100, 321)
  eq("goto loop sum", s, 6)
end

local ok_load = load("goto nowhere")
eq("goto undefined label", ok_load, nil)
eq("goto into local scope", load("goto l; local x; ::l:: print(x)"), nil)
eq("duplicate label", load("::a:: ::a::"), nil)

-- while, repeat (its condition sees the body's locals), break
local w = 0
while true do
  w = w + 1
  if w == 10 then break end
end
eq("while break", w, 10)
local r = 0
repeat local done = r >= 3; r = r + 1 until done
eq("repeat sees local", r, 4)

-- for loops
local steps = {}
for i = 10, 1, -3 do steps[#steps + 1] = i end
eq("for negative step", table.concat(steps, ","), "10,7,4,1")
local types = {}
for i = 1, 2 do types[#types + 1] = math.type(i) end
for i = 1.0, 2 do types[#types + 1] = math.type(i) end
eq("for variable types", table.concat(types, ","), "integer,integer,float,float")
local acc = 0
for i = 0.1, 1.0, 0.1 do acc = acc + 1 end
eq("for float accumulates", acc, 10)
local changed = 0
for i = 1, 3 do
  local j = i
  i = i * 100
  changed = changed + j
end
eq("for control copy", changed, 6)
local iter = 0
for _, v in next, { 5, 6, 7 } do iter = iter + v end
eq("generic for with next", iter, 18)

-- to-be-closed variables close in reverse order, also on error
local log = {}
local function closer(name)
  return setmetatable({}, { __close = function(_, err) log[#log + 1] = name .. (err and "!" or "") end })
end
do
  local a <close> = closer("a")
  local b <close> = closer("b")
end
eq("close order", table.concat(log, ","), "b,a")
log = {}
pcall(function()
  local c <close> = closer("c")
  error("boom")
end)
eq("close on error", table.concat(log, ","), "c!")
log = {}
for i = 1, 3 do
  local x <close> = closer("i" .. i)
  if i == 2 then break end
end
eq("close on break", table.concat(log, ","), "i1,i2")
local const <const> = 42
eq("const", const, 42)
eq("assign to const", load("local x <const> = 1; x = 2"), nil)
fails("close non closable", function() local x <close> = {} end, "non%-closable")
