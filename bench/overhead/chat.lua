-- wrk body for a small non-streamed chat completion (performance.md Appendix A).
-- Extra request headers come from the environment: WRK_HEADERS="Name: value|Name2: value2".
wrk.method = "POST"
wrk.body   = '{"model":"sim","messages":[{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":16}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-test"
for h in string.gmatch(os.getenv("WRK_HEADERS") or "", "[^|]+") do
  local name, value = string.match(h, "^%s*([^:]+):%s*(.-)%s*$")
  if name then wrk.headers[name] = value end
end
