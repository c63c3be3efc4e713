-- Runs one script of the port's Lua test suite: lua5.4 harness.lua NAME.lua
--
-- The script calls the globals below; every check prints one line,
-- "ok NAME: VALUE" or "not ok NAME: got VALUE, want VALUE", with values
-- written exactly (floats in hexadecimal, strings quoted with every byte
-- outside ASCII as a decimal escape), so that test.sh can compare the
-- lines of two builds. The last line is "SCRIPT: P of T pass"; the exit
-- status is 0 only when all pass. An error that escapes the script counts
-- as one failed check.
--
--   eq(name, got, want)   got equals want, of the same type and, for
--                         numbers, the same subtype (integer or float)
--   ok(name, cond, shown) cond is true; shown (optional) is printed
--   fails(name, f, pat)   f() raises an error whose message matches pat

local script = assert(arg[1], "usage: lua5.4 harness.lua SCRIPT.lua")
local pass, total = 0, 0

-- show(v): v written exactly and without addresses.
local function show(v)
  local t = math.type(v) or type(v)
  if t == "float" then
    if v ~= v then return "nan" end
    return string.format("%a", v)
  elseif t == "string" then
    local q = string.format("%q", v):gsub("\n", "n")
    return (q:gsub("[\128-\255]", function(c) return "\\" .. c:byte() end))
  elseif t == "integer" or t == "boolean" or t == "nil" then
    return tostring(v)
  end
  return t
end

local function report(name, good, text)
  total = total + 1
  if good then
    pass = pass + 1
    print("ok " .. name .. ": " .. text)
  else
    print("not ok " .. name .. ": " .. text)
  end
end

function eq(name, got, want)
  local same = got == want or (got ~= got and want ~= want)
  same = same and (math.type(got) or type(got)) == (math.type(want) or type(want))
  if same then
    report(name, true, show(got))
  else
    report(name, false, "got " .. show(got) .. ", want " .. show(want))
  end
end

function ok(name, cond, shown)
  report(name, cond and true or false, shown == nil and tostring(cond and true or false) or show(shown))
end

function fails(name, f, pat)
  local good, msg = pcall(f)
  msg = tostring(msg)
  report(name, not good and msg:find(pat) ~= nil, good and "no error" or show(msg))
end

local name = script:match("([^/]+)%.lua$") or script
local done, err = xpcall(dofile, debug.traceback, script)
if not done then
  report("runs to the end", false, show(err))
end
print(string.format("%s: %d of %d pass", name, pass, total))
os.exit(pass == total and 0 or 1)
