-- Tables: constructors, length, traversal and the table library.

local t = { 10, 20, 30, x = 1, ["y z"] = 2, [100] = 3 }
eq("length", #t, 3)
eq("field", t.x + t["y z"] + t[100], 6)
eq("constructor trailing call", select("#", table.unpack({ (function() return 1, 2, 3 end)() })), 3)
eq("constructor parenthesised call", #{ ((function() return 1, 2, 3 end)()) }, 1)
eq("nil key read", t[nil], nil)
fails("nil key write", function() t[nil] = 1 end, "index is nil")
fails("nan key write", function() t[0 / 0] = 1 end, "index is NaN")

local keys = 0
for _ in pairs(t) do keys = keys + 1 end
eq("pairs count", keys, 6)
local sum = 0
for i, v in ipairs({ 1, 2, 3, nil, 5 }) do sum = sum + i * v end
eq("ipairs stops at nil", sum, 14)
eq("next empty", next({}), nil)

-- the table library
local l = { "a", "b", "c" }
table.insert(l, "d")
table.insert(l, 1, "z")
eq("insert", table.concat(l, ","), "z,a,b,c,d")
eq("remove last", table.remove(l), "d")
eq("remove first", table.remove(l, 1), "z")
eq("after remove", table.concat(l, ","), "a,b,c")
eq("remove empty", table.remove({}), nil)
fails("insert position", function() table.insert({ 1 }, 5, 2) end, "position out of bounds")
eq("concat range", table.concat({ 1, 2, 3, 4 }, "-", 2, 3), "2-3")
eq("concat numbers", table.concat({ 1, 2.5, "x" }), "12.5x")
fails("concat invalid", function() return table.concat({ 1, {}, 3 }) end, "invalid value %(table%) at index 2")
local packed = table.pack(1, nil, 3)
eq("pack n", packed.n, 3)
eq("unpack range", select("#", table.unpack({ 1, 2, 3 }, 2, 5)), 4)
eq("move", table.concat(table.move({ 1, 2, 3, 4, 5 }, 2, 4, 1), ","), "2,3,4,4,5")
eq("move to other", table.concat(table.move({ 1, 2 }, 1, 2, 3, { 7, 8 }), ","), "7,8,1,2")

-- sort
local nums = {}
local seed = 12345
for i = 1, 5000 do
  seed = (seed * 1103515245 + 12345) % 2147483648
  nums[i] = seed % 100000
end
table.sort(nums)
local sorted = true
for i = 2, #nums do if nums[i - 1] > nums[i] then sorted = false end end
eq("sort 5000", sorted, true)
eq("sort extremes", nums[1] .. " " .. nums[5000], "16 99992")
table.sort(nums, function(a, b) return a > b end)
eq("sort descending", nums[1] >= nums[2] and nums[4999] >= nums[5000], true)
local names = { "pear", "Apple", "fig", "banana" }
table.sort(names, function(a, b) return a:lower() < b:lower() end)
eq("sort strings", table.concat(names, " "), "Apple banana fig pear")
local recs = { { n = "b", v = 2 }, { n = "a", v = 2 }, { n = "c", v = 1 } }
table.sort(recs, function(a, b) if a.v ~= b.v then return a.v < b.v end return a.n < b.n end)
eq("sort records", recs[1].n .. recs[2].n .. recs[3].n, "cab")
fails("sort mixed", function() table.sort({ 1, "x", 2 }) end, "attempt to compare")
fails("sort invalid order", function()
  local a = {}
  for i = 1, 100 do a[i] = i % 7 end
  table.sort(a, function() return true end)
end, "invalid order function")

-- growth, holes and the length border
local big = {}
for i = 1, 200000 do big[i] = i end
eq("big length", #big, 200000)
for i = 1, 100000 do big[i] = nil end
local left = 0
for _ in pairs(big) do left = left + 1 end
eq("big after clearing half", left, 100000)
local h = {}
for i = 1, 1000 do h["k" .. i] = i end
local hs = 0
for _, v in pairs(h) do hs = hs + v end
eq("hash sum", hs, 500500)
for k in pairs(h) do h[k] = nil end
eq("hash cleared while traversing", next(h), nil)
eq("rawlen", rawlen({ 1, 2 }) + rawlen("abc"), 5)
eq("select negative", select(-1, "a", "b", "c"), "c")
eq("select count", select("#", nil, nil), 2)
