-- The utf8 library and UTF-8 escapes in strings.

local s = "h\u{E9}llo \u{4E16}\u{754C} \u{1F600}"
eq("escape bytes", #s, 18)
eq("len", utf8.len(s), 10)
eq("char", utf8.char(72, 233, 0x4E16, 0x1F600), "H\xC3\xA9\xE4\xB8\x96\xF0\x9F\x98\x80")
eq("char empty", utf8.char(), "")
eq("codepoint", table.concat({ utf8.codepoint(s, 1, -1) }, ","), "104,233,108,108,111,32,19990,30028,32,128512")
eq("codepoint one", utf8.codepoint(s, 2), 233)
eq("offset 5th char", utf8.offset(s, 5), 6)
eq("offset from end", utf8.offset(s, -1), 15)
eq("offset 0 in a sequence", utf8.offset(s, 0, 3), 2)
eq("offset past end", utf8.offset(s, 20), nil)
local cps = {}
for p, c in utf8.codes(s) do cps[#cps + 1] = p .. ":" .. c end
eq("codes", table.concat(cps, " ", 6, 9), "7:32 8:19990 11:30028 14:32")
local chars = {}
for ch in s:gmatch(utf8.charpattern) do chars[#chars + 1] = ch end
eq("charpattern", #chars, 10)
eq("charpattern value", utf8.charpattern, "[\0-\x7F\xC2-\xFD][\x80-\xBF]*")

-- invalid input
eq("len invalid", select(2, utf8.len("ab\xFFcd")), 3)
eq("len truncated", select(2, utf8.len("a\xE4\xB8")), 2)
eq("len overlong", select(2, utf8.len("\xC0\x80")), 1)
eq("len surrogate strict", select(2, utf8.len("\u{D800}")), 1)
eq("len surrogate lax", utf8.len("\u{D800}", 1, -1, true), 1)
fails("codepoint invalid", function() return utf8.codepoint("\xFF") end, "invalid UTF%-8 code")
fails("codes invalid", function() for _ in utf8.codes("a\xFFb") do end end, "invalid UTF%-8 code")
fails("char too large", function() return utf8.char(0x80000000) end, "value out of range")
eq("char lax range", #utf8.char(0x7FFFFFFF), 6)
eq("codepoint lax", utf8.codepoint("\u{7FFFFFFF}", 1, 1, true), 0x7FFFFFFF)
fails("offset continuation", function() return utf8.offset("\u{E9}", 1, 2) end, "initial position is a continuation byte")

-- round trip of every 16th code point below 0x110000 except surrogates
local okall = true
for cp = 0, 0x10FFFF, 16 do
  if cp < 0xD800 or cp > 0xDFFF then
    local e = utf8.char(cp)
    if utf8.codepoint(e) ~= cp or utf8.len(e) ~= 1 then okall = false end
  end
end
eq("round trip all planes", okall, true)
eq("upper leaves multibyte", string.upper("\u{E9}a"), "\u{E9}A")
eq("reverse by code points", (function()
  local r = {}
  for _, c in utf8.codes("a\u{E9}\u{4E16}") do table.insert(r, 1, utf8.char(c)) end
  return table.concat(r)
end)(), "\u{4E16}\u{E9}a")
