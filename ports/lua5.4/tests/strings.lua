-- Strings: the basic functions of the string library and Lua patterns.

eq("len", #"hello\0world", 11)
eq("sub", ("abcdef"):sub(2, 4), "bcd")
eq("sub negative", ("abcdef"):sub(-3), "def")
eq("sub out of range", ("abc"):sub(5, 10), "")
eq("upper", string.upper("MiXeD 123"), "MIXED 123")
eq("lower", string.lower("MiXeD 123"), "mixed 123")
eq("rep", string.rep("ab", 3, ","), "ab,ab,ab")
eq("rep zero", string.rep("x", 0), "")
eq("reverse", string.reverse("stressed"), "desserts")
eq("byte", select("#", string.byte("abc", 1, -1)), 3)
eq("byte value", string.byte("A"), 65)
eq("char", string.char(72, 105, 0, 255), "Hi\0\255")
eq("concat numbers", 1 .. 2, "12")
eq("concat float", 1.5 .. "", "1.5")
eq("escape decimal", "\65\066\0067", "AB\0067")
eq("escape hex", "\x41\x42", "AB")
eq("escape z", "a\z
      b", "ab")
eq("long string", [[
line]], "line")
eq("long string level", [==[a]]b]==], "a]]b")
eq("compare", "a" < "b" and "abc" < "abd" and "" < "a", true)
eq("compare embedded zero", "a\0b" < "a\0c", true)
eq("tostring int", tostring(42), "42")
eq("tostring float", tostring(42.0), "42.0")
eq("tonumber hex", tonumber("0x1F"), 31)
eq("tonumber base", tonumber("zz", 36), 1295)
eq("tonumber base 2", tonumber("1011", 2), 11)
eq("tonumber spaces", tonumber("  12  "), 12)
eq("tonumber bad", tonumber("12a"), nil)
eq("tonumber exp", tonumber("1e2"), 100.0)
eq("coercion", "10" + 5, 15)
eq("coercion float", "3.5" * 2, 7.0)

-- find and plain find
eq("find", select(1, string.find("hello world", "o w")), 5)
eq("find plain", select(2, string.find("a.b.c", ".", 1, true)), 2)
eq("find from", string.find("abcabc", "b", 3), 5)
eq("find none", string.find("abc", "x"), nil)
eq("find anchor", string.find("abc", "^b"), nil)
eq("find captures", select(3, string.find("key=value", "(%w+)=(%w+)")), "key")

-- match and classes
eq("match digits", string.match("abc 123 def", "%d+"), "123")
eq("match space", string.match("x \t\ny", "%s+"), " \t\n")
eq("match alpha", string.match("123abc456", "%a+"), "abc")
eq("match punct", string.match("a,.;b", "%p+"), ",.;")
eq("match upper", string.match("abcDEFghi", "%u+"), "DEF")
eq("match hex", string.match("zz0aF9zz", "%x+"), "0aF9")
eq("match set", string.match("hello-world", "[%a-]+"), "hello-world")
eq("match complement", string.match("abc123", "[^%a]+"), "123")
eq("match range", string.match("xyz0123", "[0-2]+"), "012")
eq("match lazy", string.match("<a><b>", "<(.-)>"), "a")
eq("match greedy", string.match("<a><b>", "<(.*)>"), "a><b")
eq("match optional", string.match("color colour", "colou?r", 6), "colour")
eq("match position", select(2, string.match("hello", "()ll()")), 5)
eq("match balanced", string.match("f(a(b)c)d", "%b()"), "(a(b)c)")
eq("match frontier", string.match("THE (quick) fox", "%f[%a]%a+%f[%A]", 5), "quick")
eq("match backreference", string.match('say "hi" now', "([\"'])(.-)%1"), '"')
eq("match anchored end", string.match("abc", "c$"), "c")
eq("match empty capture", string.match("abc", "()"), 1)

-- gsub
eq("gsub", string.gsub("hello world", "o", "0"), "hell0 w0rld")
eq("gsub count", select(2, string.gsub("aaa", "a", "b")), 3)
eq("gsub limit", string.gsub("aaa", "a", "b", 2), "bba")
eq("gsub capture", string.gsub("hello world", "(%w+)", "<%1>"), "<hello> <world>")
eq("gsub whole", string.gsub("abc", "%w", "%0%0"), "aabbcc")
eq("gsub table", string.gsub("$name is $age", "%$(%w+)", { name = "Ann", age = 7 }), "Ann is 7")
eq("gsub function", string.gsub("1 2 3", "%d", function(d) return d * 2 end), "2 4 6")
eq("gsub function nil", string.gsub("a b", "%w", function() end), "a b")
eq("gsub empty pattern", string.gsub("abc", "", "-"), "-a-b-c-")
eq("gsub escape percent", string.gsub("50", "%d+", "%1%%"), "50%")
fails("gsub invalid capture", function() return string.gsub("a", "a", "%2") end, "invalid capture index")
fails("malformed pattern", function() return string.find("a", "[a") end, "malformed pattern")

-- gmatch
local words = {}
for w in string.gmatch("one two  three", "%a+") do words[#words + 1] = w end
eq("gmatch", table.concat(words, ","), "one,two,three")
local pairs_found = {}
for k, v in string.gmatch("a=1, b=2, c=3", "(%w+)=(%w+)") do pairs_found[#pairs_found + 1] = k .. v end
eq("gmatch captures", table.concat(pairs_found), "a1b2c3")
local n = 0
for _ in string.gmatch("abc", "") do n = n + 1 end
eq("gmatch empty", n, 4)

-- a long string through the functions
local big = string.rep("0123456789", 100000)
eq("long rep", #big, 1000000)
eq("long find", string.find(big, "90123", 999990, true), 999990)
eq("long gsub", select(2, string.gsub(big, "5", "")), 100000)
eq("long upper", #big:upper(), 1000000)
