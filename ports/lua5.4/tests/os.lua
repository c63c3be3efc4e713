-- The os library: time and date (test.sh sets TZ to Central European
-- time written as a POSIX rule), the environment, files by name, temporary
-- names, the clock and the locale.

eq("date utc epoch", os.date("!%Y-%m-%d %H:%M:%S", 0), "1970-01-01 00:00:00")
eq("date local winter", os.date("%Y-%m-%d %H:%M:%S %Z", 1700000000), "2023-11-14 23:13:20 CET")
eq("date local summer", os.date("%Y-%m-%d %H:%M:%S %Z", 1690000000), "2023-07-22 06:26:40 CEST")
eq("date names", os.date("!%a %A %b %B %j %p %I %y %%", 1690000000), "Sat Saturday Jul July 203 AM 04 23 %")
eq("date c", os.date("!%c", 0), "Thu Jan  1 00:00:00 1970")
eq("date x X", os.date("!%x %X", 86399), "01/01/70 23:59:59")
local t = os.date("*t", 1690000000)
eq("date table", string.format("%d-%d-%d %d:%d:%d wday %d yday %d", t.year, t.month, t.day, t.hour, t.min, t.sec, t.wday, t.yday),
  "2023-7-22 6:26:40 wday 7 yday 203")
eq("date table isdst", t.isdst, true)
eq("date utc table isdst", os.date("!*t", 1690000000).isdst, false)
eq("time from table", os.time({ year = 2000, month = 1, day = 1, hour = 0 }), 946681200)
eq("time default hour is noon", os.time({ year = 2022, month = 2, day = 1 }), 1643713200)
eq("time normalises", os.time({ year = 2021, month = 13, day = 32, hour = 0 }), os.time({ year = 2022, month = 2, day = 1, hour = 0 }))
eq("time round trip", os.time(os.date("*t", 1234567890)), 1234567890)
fails("time missing field", function() return os.time({ year = 2000 }) end, "field 'month' missing in date table")
fails("date bad conversion", function() return os.date("%Ez") end, "invalid conversion specifier")
local now = os.time()
ok("time now", now > 1700000000 and math.type(now) == "integer")
eq("difftime", os.difftime(now + 90, now), 90.0)

-- the environment that test.sh passes
eq("getenv", os.getenv("LUA_TEST_VALUE"), 'a value with spaces = and "quotes"')
eq("getenv missing", os.getenv("LUA_TEST_SURELY_UNSET"), nil)
eq("getenv TZ", os.getenv("TZ"), "CET-1CEST,M3.5.0,M10.5.0/3")

-- files by name, in the current folder
local f = assert(io.open("old.txt", "w"))
f:write("content")
f:close()
eq("rename", os.rename("old.txt", "new.txt"), true)
eq("old name gone", io.open("old.txt"), nil)
f = assert(io.open("new.txt"))
eq("new name has the content", f:read("a"), "content")
f:close()
f = assert(io.open("other.txt", "w"))
f:write("other")
f:close()
eq("rename over a file", os.rename("other.txt", "new.txt"), true)
f = assert(io.open("new.txt"))
eq("replaced content", f:read("a"), "other")
f:close()
local r, msg, code = os.rename("missing.txt", "x.txt")
eq("rename missing", tostring(r) .. " " .. msg .. " " .. code, "nil No such file or directory 2")
eq("remove", os.remove("new.txt"), true)
r, msg, code = os.remove("new.txt")
eq("remove missing", tostring(r) .. " " .. msg .. " " .. code, "nil new.txt: No such file or directory 2")
r, msg, code = os.remove(".")
eq("remove current folder", tostring(r) .. " " .. msg .. " " .. code, "nil .: Invalid argument 22")

-- temporary names are new files under /tmp
local name = os.tmpname()
ok("tmpname prefix", name:match("^/tmp/lua_%w%w%w%w%w%w$") ~= nil)
local tf = io.open(name, "r")
eq("tmpname exists", io.type(tf), "file")
if tf then tf:close() end
local other = os.tmpname()
ok("tmpname differs", other ~= name)
eq("tmpname removed", os.remove(name), true)
os.remove(other)
local tmp = io.tmpfile()
tmp:write("scratch")
tmp:seek("set")
eq("io.tmpfile", tmp:read("a"), "scratch")
tmp:close()

-- processor time advances with work
local c0 = os.clock()
local x = 0
for i = 1, 3000000 do x = x + i % 7 end
local c1 = os.clock()
ok("clock advances", c1 > c0 and math.type(c1) == "float")
ok("clock is process time", c1 < 3600)

-- the C locale
eq("setlocale query", os.setlocale(), "C")
eq("setlocale C", os.setlocale("C", "numeric"), "C")
eq("setlocale bad category", pcall(os.setlocale, "C", "nonsense"), false)
