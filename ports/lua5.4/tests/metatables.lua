-- Metatables: the metamethods, raw access and inheritance.

local V = {}
V.__index = V
local function vec(x, y) return setmetatable({ x = x, y = y }, V) end
V.__add = function(a, b) return vec(a.x + b.x, a.y + b.y) end
V.__sub = function(a, b) return vec(a.x - b.x, a.y - b.y) end
V.__mul = function(a, k) return vec(a.x * k, a.y * k) end
V.__div = function(a, k) return vec(a.x / k, a.y / k) end
V.__mod = function(a, k) return vec(a.x % k, a.y % k) end
V.__pow = function(a, k) return vec(a.x ^ k, a.y ^ k) end
V.__unm = function(a) return vec(-a.x, -a.y) end
V.__idiv = function(a, k) return vec(a.x // k, a.y // k) end
V.__band = function(a, b) return vec(a.x & b.x, a.y & b.y) end
V.__shl = function(a, k) return vec(a.x << k, a.y << k) end
V.__bnot = function(a) return vec(~a.x, ~a.y) end
V.__eq = function(a, b) return a.x == b.x and a.y == b.y end
V.__lt = function(a, b) return a.x < b.x end
V.__le = function(a, b) return a.x <= b.x end
V.__len = function(a) return 2 end
V.__concat = function(a, b)
  local function s(v) return type(v) == "table" and "(" .. v.x .. "," .. v.y .. ")" or tostring(v) end
  return s(a) .. s(b)
end
V.__tostring = function(a) return "vec" .. a.x .. ":" .. a.y end
V.__call = function(a, k) return a.x * k + a.y end
V.__name = "vector"
function V:dot(o) return self.x * o.x + self.y * o.y end

local a, b = vec(1, 2), vec(3, 4)
eq("__add", tostring(a + b), "vec4:6")
eq("__sub", tostring(b - a), "vec2:2")
eq("__mul", tostring(a * 3), "vec3:6")
eq("__div", tostring(b / 2), "vec1.5:2.0")
eq("__mod", tostring(b % 3), "vec0:1")
eq("__pow", tostring(a ^ 2), "vec1.0:4.0")
eq("__unm", tostring(-a), "vec-1:-2")
eq("__idiv", tostring(b // 2), "vec1:2")
eq("__band", tostring(a & b), "vec1:0")
eq("__shl", tostring(a << 2), "vec4:8")
eq("__bnot", tostring(~a), "vec-2:-3")
eq("__eq", a == vec(1, 2), true)
eq("__eq not same", a ~= b, true)
eq("__lt", a < b, true)
eq("__le", b <= a, false)
eq("__len", #a, 2)
eq("__concat", a .. "!" .. b, "(1,2)!(3,4)")
eq("__call", a(10), 12)
eq("__index method", a:dot(b), 11)
local named = setmetatable({}, { __name = "vector" })
eq("__name in error", select(2, pcall(function() return named < 1 end)):match("compare (%w+ with %w+)"), "vector with number")

-- __index and __newindex as functions and tables, rawget/rawset
local log = {}
local proxy = setmetatable({}, {
  __index = function(_, k) return "default " .. k end,
  __newindex = function(t, k, v) log[#log + 1] = k; rawset(t, k, v * 2) end,
})
eq("__index function", proxy.foo, "default foo")
proxy.n = 5
eq("__newindex function", proxy.n, 10)
proxy.n = 7
eq("__newindex only for new keys", proxy.n, 7)
eq("__newindex log", table.concat(log, ","), "n")
eq("rawget", rawget(proxy, "foo"), nil)
local store = {}
local redirect = setmetatable({}, { __newindex = store })
redirect.k = 1
eq("__newindex table", tostring(rawget(redirect, "k")) .. store.k, "nil1")
eq("rawequal", rawequal(a, vec(1, 2)), false)

-- inheritance chain
local Base = {}
Base.__index = Base
function Base.new(cls, v) return setmetatable({ v = v }, cls) end
function Base:get() return "base " .. self.v end
function Base:name() return "Base" end
local Derived = setmetatable({}, { __index = Base })
Derived.__index = Derived
function Derived:get() return "derived " .. Base.get(self) end
local d = Base.new(Derived, 3)
eq("inheritance override", d:get(), "derived base 3")
eq("inheritance lookup", d:name(), "Base")
local deep = {}
local cur = deep
for i = 1, 50 do
  local nxt = { ["level" .. i] = i }
  setmetatable(cur, { __index = nxt })
  cur = nxt
end
eq("50-level __index chain", deep.level50, 50)

-- protected metatables, __pairs, __close, __gc presence, __mode
local prot = setmetatable({}, { __metatable = "locked" })
eq("__metatable", getmetatable(prot), "locked")
fails("__metatable protects", function() setmetatable(prot, {}) end, "cannot change a protected metatable")
local pt = setmetatable({}, { __pairs = function(t) return function(_, k) if not k then return 1, "one" end end, t, nil end })
local seen = {}
for k, v in pairs(pt) do seen[#seen + 1] = k .. v end
eq("__pairs", table.concat(seen), "1one")
eq("string metatable", getmetatable("").__index, string)
eq("string index", ("abc"):len(), 3)
fails("index a number", function() local x = 1; return x.y end, "attempt to index a number value")
fails("call a table", function() local t = {}; t() end, "attempt to call a table value")
fails("arith on table", function() return {} + 1 end, "attempt to perform arithmetic on a table value")
eq("__index on missing with rawget", rawget(setmetatable({}, { __index = { z = 1 } }), "z"), nil)
local cmp = setmetatable({}, { __lt = function() return 1 end })
eq("__lt result to boolean", cmp < cmp, true)
eq("tostring uses __name", tostring(setmetatable({}, { __name = "Thing" })):match("^Thing: "), "Thing: ")
