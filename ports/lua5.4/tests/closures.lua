-- Functions: closures and upvalues, varargs, tail calls, recursion and
-- coroutines.

local function counter()
  local n = 0
  return function() n = n + 1; return n end, function() return n end
end
local inc, get = counter()
inc(); inc()
eq("closure shares upvalue", get(), 2)
local inc2 = counter()
eq("closures are separate", inc2(), 1)

local fs = {}
for i = 1, 3 do fs[i] = function() return i end end
eq("loop variable per iteration", fs[1]() + fs[2]() * 10 + fs[3]() * 100, 321)

local function varargs(...)
  local a, b = ...
  return select("#", ...), a, b, { ... }
end
local n, a, b, all = varargs(1, nil, 3, nil)
eq("varargs count", n, 4)
eq("varargs values", tostring(a) .. tostring(b) .. #all, "1nil3")
eq("vararg in middle truncated", select("#", varargs(1, 2), 5), 2)
eq("table.unpack as args", select("#", varargs(table.unpack({ 1, 2, 3 }))), 4)

local function tail(k, acc)
  if k == 0 then return acc end
  return tail(k - 1, acc + 1)
end
eq("tail calls 1000000", tail(1000000, 0), 1000000)

local function depth(k)
  if k == 0 then return 0 end
  return 1 + depth(k - 1)
end
eq("recursion 150000", depth(150000), 150000)

local function fib(k) if k < 2 then return k end return fib(k - 1) + fib(k - 2) end
eq("fib 25", fib(25), 75025)

local function memo(f)
  local cache = {}
  return function(x)
    local v = cache[x]
    if v == nil then v = f(x); cache[x] = v end
    return v
  end
end
local calls = 0
local sq = memo(function(x) calls = calls + 1; return x * x end)
sq(4); sq(4); sq(5)
eq("memoised", calls, 2)

eq("string method", ("x"):rep(3), "xxx")
local obj = { v = 5 }
function obj:add(k) return self.v + k end
eq("method call", obj:add(2), 7)

-- coroutines
local gen = coroutine.wrap(function(first)
  local got = first
  for i = 1, 3 do got = coroutine.yield(got + i) end
  return "done " .. got
end)
eq("wrap first", gen(10), 11)
eq("wrap passes value", gen(20), 22)
eq("wrap third", gen(30), 33)
eq("wrap return", gen(40), "done 40")
fails("wrap dead", function() return gen() end, "cannot resume dead coroutine")

local co = coroutine.create(function(x, y)
  eq("inside running", coroutine.isyieldable(), true)
  local z = coroutine.yield(x + y, x * y)
  error({ code = z })
end)
eq("status suspended", coroutine.status(co), "suspended")
local r1, s, p = coroutine.resume(co, 3, 4)
eq("resume values", tostring(r1) .. s .. p, "true712")
local r2, e = coroutine.resume(co, 99)
eq("error object", (not r2) and e.code, 99)
eq("status dead", coroutine.status(co), "dead")
eq("main not yieldable", coroutine.isyieldable(), false)
eq("running main", select(2, coroutine.running()), true)

local function producer()
  return coroutine.wrap(function()
    for i = 1, 5 do coroutine.yield(i) end
  end)
end
local function filter(src)
  return coroutine.wrap(function()
    for v in src do if v % 2 == 1 then coroutine.yield(v * 10) end end
  end)
end
local out = {}
for v in filter(producer()) do out[#out + 1] = v end
eq("pipeline", table.concat(out, ","), "10,30,50")

local many = 0
for _ = 1, 10000 do
  local c = coroutine.create(function(k) coroutine.yield(k) return k end)
  coroutine.resume(c, 1)
  local _, v = coroutine.resume(c)
  many = many + v
end
eq("10000 coroutines", many, 10000)

local closed = false
local cc = coroutine.create(function()
  local _ <close> = setmetatable({}, { __close = function() closed = true end })
  coroutine.yield()
end)
coroutine.resume(cc)
eq("close suspended", coroutine.close(cc), true)
eq("close runs to-be-closed", closed, true)

local deep = coroutine.wrap(function()
  local function rec(k) if k == 0 then coroutine.yield("bottom") return end rec(k - 1) end
  rec(10000)
end)
eq("yield across 10000 frames", deep(), "bottom")
fails("yield outside", function() coroutine.yield() end, "attempt to yield from outside a coroutine")
local ok_pcall = coroutine.wrap(function()
  local good, v = pcall(function() return coroutine.yield(1) + 1 end)
  return tostring(good) .. v
end)
ok_pcall()
eq("yield across pcall", ok_pcall(41), "true42")
