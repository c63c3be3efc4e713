-- Other programs: os.execute and io.popen start /bin/sh (fork and exec),
-- which a single-process program cannot do; kept apart from the rest so
-- that the difference is named by itself.

eq("shell available", os.execute(), true)
eq("execute success", os.execute("exit 0"), true)
local _, how, code = os.execute("exit 3")
eq("execute exit code", tostring(how) .. " " .. tostring(code), "exit 3")
local p = io.popen("echo from a pipe")
eq("popen read", p and p:read("a"), "from a pipe\n")
eq("popen close", p and select(3, p:close()), 0)
