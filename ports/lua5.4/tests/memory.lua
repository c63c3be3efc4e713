-- Large allocations: many small strings, a table of 4 million entries
-- (about 64 MiB) and, last, a string of 64 MiB, which string.rep builds in
-- a buffer of the same size first (128 MiB at once).

collectgarbage()
local before = collectgarbage("count")
local parts = {}
for i = 1, 100000 do parts[i] = tostring(i) end
eq("many small strings", #table.concat(parts), 488895)
parts = nil
local t = {}
for i = 1, 4000000 do t[i] = i end
eq("4 million entries", #t, 4000000)
ok("table counted", collectgarbage("count") - before >= 65536)
t = nil
collectgarbage()
ok("memory given back", collectgarbage("count") < before + 1024)
local s = string.rep("x", 64 * 1024 * 1024)
ok("64 MiB string", #s == 67108864 and collectgarbage("count") - before >= 65536)
s = nil
collectgarbage()
ok("64 MiB given back", collectgarbage("count") < before + 1024)
