-- wrk body for a streamed chat completion (16 chunks, usage, [DONE]); headers as in chat.lua.
wrk.method = "POST"
wrk.body   = '{"model":"sim","messages":[{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":16,"stream":true,"stream_options":{"include_usage":true}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-test"
for h in string.gmatch(os.getenv("WRK_HEADERS") or "", "[^|]+") do
  local name, value = string.match(h, "^%s*([^:]+):%s*(.-)%s*$")
  if name then wrk.headers[name] = value end
end
