-- The port's work figure: fib(32) by plain recursion (function calls and
-- integer arithmetic), then the bisection method run 200000 times on
-- x^3 - x - 1 over [1, 2] down to 1e-12 (a float loop). Prints both
-- results, the same natively and in the image.
--
-- usage: lua5.4 bench.lua

local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end

local function bisect(f, a, b, tol)
  local fa = f(a)
  local steps = 0
  while b - a > tol do
    local m = (a + b) / 2
    local fm = f(m)
    if (fm < 0) == (fa < 0) then a, fa = m, fm else b = m end
    steps = steps + 1
  end
  return (a + b) / 2, steps
end

print("fib(32)", fib(32))
local root, steps, sum = 0, 0, 0
for k = 1, 200000 do
  root, steps = bisect(function(x) return x * x * x - x - 1 end, 1, 2 + k * 1e-9, 1e-12)
  sum = sum + steps
end
print("bisect", string.format("%.12f", root), sum)
