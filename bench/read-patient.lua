-- wrk script of bench_read.sh (prepended with `local ids = {...}` and `local token = ...`):
-- each request reads the next patient of ids with the bearer token; with no ids it reads
-- /patient.json (the nginx floor).  done() prints one RESULT line:
-- requests/s, p99 latency in microseconds, non-2xx answers, socket errors, requests.
local n = 0
local headers = {}
if token then headers["Authorization"] = "Bearer " .. token end

request = function()
  if #ids == 0 then return wrk.format("GET", "/patient.json", headers) end
  n = n + 1
  return wrk.format("GET", "/api/v1/patients/" .. ids[(n % #ids) + 1], headers)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %.0f %d %d %d %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout, summary.requests))
end
