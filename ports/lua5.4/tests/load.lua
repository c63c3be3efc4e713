-- Loading code: load with text and binary chunks and environments,
-- loadfile/dofile, and require of a module file written into the current
-- folder.

local f = load("return 1 + 2")
eq("load string", f(), 3)
eq("load args", load("local a, b = ...; return a * b")(6, 7), 42)
local pieces = { "return ", "'from ", "pieces'" }
local i = 0
eq("load function reader", load(function() i = i + 1; return pieces[i] end)(), "from pieces")
local env = { x = 5 }
eq("load env", load("y = x * 2; return y", "chunk", "t", env)(), 10)
eq("env written", env.y, 10)
eq("global not touched", rawget(_G, "y"), nil)
local dumped = string.dump(function(a) return a .. "!" end)
eq("binary chunk", load(dumped, "bin", "b")("dumped"), "dumped!")
eq("binary signature", dumped:sub(1, 4), "\27Lua")
eq("binary refused in text mode", select(2, load(dumped, "bin", "t")), "attempt to load a binary chunk (mode is 't')")
eq("text refused in binary mode", select(2, load("return 1", "txt", "b")), "attempt to load a text chunk (mode is 'b')")
local stripped = string.dump(function() return debug.getinfo(1, "l").currentline end, true)
eq("stripped chunk has no lines", load(stripped)(), -1)
eq("first upvalue becomes _ENV", load(string.dump(function() return tostring end))(), tostring)

-- files
local out = assert(io.open("chunk.lua", "w"))
out:write("local n = ...\nreturn (n or 0) + 100, _ENV == _G\n")
out:close()
eq("loadfile", loadfile("chunk.lua")(1), 101)
eq("dofile", dofile("chunk.lua"), 100)
eq("loadfile env", select(2, loadfile("chunk.lua", "t", {})()), false)
eq("loadfile missing", select(2, loadfile("missing.lua")), "cannot open missing.lua: No such file or directory")
out = assert(io.open("bad.lua", "w"))
out:write("return +\n")
out:close()
eq("loadfile syntax error", select(2, loadfile("bad.lua")), "bad.lua:1: unexpected symbol near '+'")
out = assert(io.open("chunk.luac", "wb"))
out:write(string.dump(loadfile("chunk.lua")))
out:close()
eq("loadfile binary", loadfile("chunk.luac")(2), 102)

-- require of a module in the current folder
out = assert(io.open("mymod.lua", "w"))
out:write([[
local name, path = ...
loads = (loads or 0) + 1
local M = { name = name, path = path }
function M.greet(who) return "hello " .. who end
return M
]])
out:close()
package.path = "./?.lua;" .. package.path
local m, extra = require("mymod")
eq("require", m.greet("module"), "hello module")
eq("require name", m.name, "mymod")
eq("require loader data", extra, "./mymod.lua")
eq("require caches", require("mymod") == m and loads, 1)
eq("package.loaded", package.loaded.mymod, m)
package.loaded.mymod = nil
require("mymod")
eq("require again after unload", loads, 2)
out = assert(io.open("nothing.lua", "w"))
out:write("x_from_nothing = 1\n")
out:close()
eq("module returning nothing", require("nothing"), true)
package.preload.virtual = function(n) return { n = n } end
eq("preload", require("virtual").n, "virtual")
eq("searchpath", package.searchpath("mymod", "./?.lua"), "./mymod.lua")
eq("searchpath missing", select(2, package.searchpath("nomod", "./?.lua;./?/init.lua")),
  "no file './nomod.lua'\n\tno file './nomod/init.lua'")
fails("require missing", function() require("no_such_module") end, "module 'no_such_module' not found")
eq("config", package.config:sub(1, 1), "/")
eq("cpath default", package.cpath:match("%./%?%.so") ~= nil, true)
fails("require C module", function()
  package.cpath = "./?.so"
  local so = assert(io.open("cmod.so", "w"))
  so:write("not an object file")
  so:close()
  require("cmod")
end, "cmod")
