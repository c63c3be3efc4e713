-- The io library on files in the current folder (test.sh runs each script
-- in a fresh temporary folder), on standard input (stdin.txt), standard
-- output and standard error (io.stderr holds what must arrive there).

local f = assert(io.open("data.txt", "w"))
eq("io.type open", io.type(f), "file")
eq("write chains", f:write("first line\n", 42, " ", 3.5, "\n", "0x10 -7e2 nan\n"), f)
f:write("last line without newline")
eq("close", f:close(), true)
eq("io.type closed", io.type(f), "closed file")
eq("io.type other", io.type(42), nil)
fails("use closed file", function() return f:read() end, "attempt to use a closed file")

f = assert(io.open("data.txt", "r"))
eq("read l", f:read("l"), "first line")
eq("read n integer", f:read("n"), 42)
eq("read n float", f:read("n"), 3.5)
eq("read n hex", f:read("n"), 16)
eq("read n exponent", f:read("n"), -700.0)
eq("read n fails", f:read("n"), nil)
eq("read L", f:read("L"), "nan\n")
eq("read count", f:read(4), "last")
eq("read 0 before end", f:read(0), "")
eq("read a", f:read("a"), " line without newline")
eq("read a at end", f:read("a"), "")
eq("read l at end", f:read("l"), nil)
eq("read 0 at end", f:read(0), nil)
eq("seek end", f:seek("end"), 57)
eq("seek set", f:seek("set", 6), 6)
eq("read after seek", f:read(4), "line")
eq("seek cur", f:seek("cur", -4), 6)
eq("several formats", table.concat({ f:read(4, "l", "n") }, "|"), "line||42")
f:close()

local lines = {}
for l in io.lines("data.txt") do lines[#lines + 1] = #l end
eq("io.lines", table.concat(lines, ","), "10,6,13,25")
local firsts = {}
for a, b in io.lines("data.txt", 1, 2) do firsts[#firsts + 1] = a .. b end
eq("io.lines counts", firsts[1] .. "|" .. firsts[2], "fir|st ")
local keep = {}
for l in io.lines("data.txt", "L") do keep[#keep + 1] = l end
eq("io.lines L", keep[2], "42 3.5\n")
fails("io.lines missing", function() for _ in io.lines("no-such-file") do end end, "No such file or directory")

-- modes: append, update, binary
f = assert(io.open("data.txt", "a"))
f:write("\nappended")
f:close()
f = assert(io.open("data.txt", "r+"))
f:write("FIRST")
f:seek("end", -8)
eq("append then r+", f:read("a"), "appended")
f:seek("set")
eq("r+ overwrote", f:read("l"), "FIRST line")
f:close()
f = assert(io.open("data.txt", "w+"))
eq("w+ truncates", f:read("a"), "")
f:write("new")
f:seek("set")
eq("w+ reads back", f:read("a"), "new")
f:close()

local bytes = {}
for i = 0, 255 do bytes[#bytes + 1] = string.char(i) end
local all = table.concat(bytes)
f = assert(io.open("binary.bin", "wb"))
f:write(all, all)
f:close()
f = assert(io.open("binary.bin", "rb"))
eq("binary round trip", f:read("a") == all .. all, true)
f:close()

-- a file of 8 MiB written in pieces and read back in blocks
f = assert(io.open("big.bin", "w"))
eq("setvbuf full", f:setvbuf("full", 65536), true)
local piece = string.rep("0123456789abcdef", 4096)
for _ = 1, 128 do f:write(piece) end
f:close()
f = assert(io.open("big.bin", "r"))
local total, sum = 0, 0
while true do
  local block = f:read(100000)
  if not block then break end
  total = total + #block
  sum = (sum + block:byte(1) + block:byte(-1)) % 65521
end
eq("8 MiB size", total, 8388608)
eq("8 MiB blocks", sum, 12600)
eq("8 MiB seek end", f:seek("end"), 8388608)
f:close()

-- errors come back as nil, message, errno
local nf, msg, code = io.open("no-such-file")
eq("open missing", tostring(nf) .. " " .. msg .. " " .. code, "nil no-such-file: No such file or directory 2")
nf, msg, code = io.open(".", "w")
eq("open folder for writing", tostring(nf) .. " " .. msg .. " " .. code, "nil .: Is a directory 21")
fails("open bad mode", function() return io.open("data.txt", "rw") end, "invalid mode")
local rf = assert(io.open("data.txt"))
eq("write to read-only", rf:write("x"), nil)
rf:close()
eq("tostring file", tostring(io.stdout):match("^file %("), "file (")
local null = assert(io.open("/dev/null", "r+"))
eq("dev null", tostring(null:write("gone")) ~= nil and null:read("a"), "")
null:close()

-- default input and output
local out = assert(io.open("out.txt", "w"))
io.output(out)
io.write("via io.write ", 1, "\n")
io.output(io.stdout)
out:close()
io.input("out.txt")
eq("io.input and io.read", io.read("l"), "via io.write 1")
io.input(io.stdin)

-- standard streams: stdin holds tests/stdin.txt
eq("stdin line", io.read("l"), "standard input, line 1")
eq("stdin numbers", table.concat({ io.read("n", "n") }, ","), "12,34")
eq("stdin rest", io.stdin:read("a"), "\nlast line\n")
eq("stdin at end", io.read("l"), nil)
eq("stdout write", io.stdout:write(""), io.stdout)
eq("stderr write", io.stderr:write("written to stderr\n"), io.stderr)
eq("stdout setvbuf", io.stdout:setvbuf("line"), true)
eq("flush", io.stdout:flush(), true)
