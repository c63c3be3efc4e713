-- Errors: error values and levels, pcall/xpcall, messages of the runtime,
-- stack overflow and errors from the C functions.

local good, msg = pcall(error, "plain", 0)
eq("error level 0", tostring(good) .. msg, "falseplain")
local src = debug.getinfo(1, "S").short_src
local line = debug.getinfo(1, "l").currentline + 1
good, msg = pcall(function() error("where") end)
eq("error position", msg, src .. ":" .. line .. ": where")
local function lvl2() error("caller's fault", 2) end
line = debug.getinfo(1, "l").currentline + 2
good, msg = pcall(function()
  lvl2()
end)
eq("error level 2", msg, src .. ":" .. line .. ": caller's fault")
good, msg = pcall(error, { code = 7 })
eq("error table", type(msg) == "table" and msg.code, 7)
good, msg = pcall(error)
eq("error nil", tostring(good) .. tostring(msg), "falsenil")
good, msg = pcall(error, setmetatable({}, { __tostring = function() return "custom" end }))
eq("error with __tostring", tostring(msg), "custom")

-- xpcall with handlers
local function handler(m) return "handled: " .. m end
eq("xpcall handler", select(2, xpcall(function() error("x", 0) end, handler)), "handled: x")
eq("xpcall arguments", select(2, xpcall(function(p, q) return p + q end, handler, 2, 3)), 5)
local tb = select(2, xpcall(function() local _ = nil + 1 end, debug.traceback))
ok("traceback", tb:find("stack traceback:", 1, true) ~= nil and tb:find("in function", 1, true) ~= nil)
eq("error in handler", select(2, xpcall(error, function() error("again") end)) ~= nil, true)

-- runtime messages name the culprit
local t = {}
fails("index nil field", function() return t.a.b end, "attempt to index a nil value %(field 'a'%)")
fails("call nil global", function() undefined_function() end, "attempt to call a nil value %(global 'undefined_function'%)")
fails("arith on nil local", function() local n; return n + 1 end, "attempt to perform arithmetic on a nil value %(local 'n'%)")
fails("concat boolean", function() return "a" .. true end, "attempt to concatenate a boolean value")
fails("compare number with nil", function() return 1 < nil end, "attempt to compare number with nil")
fails("string arith", function() return "abc" + 1 end, "attempt to add a 'string' with a 'number'")
fails("bad argument", function() return string.rep() end, "bad argument #1 to 'rep'")
fails("bad argument type", function() return math.floor("x") end, "number expected, got string")
fails("setmetatable bad", function() setmetatable(1, {}) end, "bad argument #1 to 'setmetatable'")
fails("assert message", function() assert(false, "assertion text") end, "assertion text")
fails("assert default", function() assert(nil) end, "assertion failed!")
eq("assert returns values", select("#", assert(1, 2, 3)), 3)
fails("tostring without value", function() return tostring() end, "bad argument #1 to 'tostring'")
fails("integer overflow in conversion", function() return (2 ^ 63) | 0 end, "number has no integer representation")
fails("string too large", function() return string.rep("x", math.maxinteger) end, "resulting string too large")

-- stack overflow is caught, in Lua and through C functions
local function rec() return 1 + rec() end
fails("stack overflow", rec, "stack overflow")
local function crec() return pcall(crec) end
eq("stack overflow through pcall", (crec()), true)
local deep = setmetatable({}, {})
getmetatable(deep).__index = function(tab, k) return tab[k] end
fails("__index loop", function() return deep.x end, "stack overflow")
local chain = {}
for i = 1, 300 do chain = setmetatable({}, { __index = chain }) end
eq("long __index chain", chain.missing, nil)
good, msg = pcall(coroutine.wrap(function() error({ "from the coroutine" }) end))
eq("error object through coroutine.wrap", type(msg) == "table" and msg[1], "from the coroutine")

-- errors do not break the state: after many of them things still work
local count = 0
for i = 1, 10000 do
  if not pcall(error, i) then count = count + 1 end
end
eq("10000 errors caught", count, 10000)
eq("load syntax error", select(2, load("x = = 1", "=chunk")), "chunk:1: unexpected symbol near '='")
eq("load unfinished string", select(2, load("x = 'abc", "=chunk")), "chunk:1: unfinished string near <eof>")
eq("load eof", select(2, load("if x then", "=chunk")), "chunk:1: 'end' expected near <eof>")
eq("too many locals", (select(2, load(string.rep("local a;", 300), "=c")):match("too many local variables")), "too many local variables")
