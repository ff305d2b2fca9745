-- wrk body for a streamed chat completion (16 chunks, usage, [DONE]); same environment as chat.lua.
wrk.method = "POST"
wrk.body   = '{"model":"sim","messages":[{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":16,"stream":true,"stream_options":{"include_usage":true}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("WRK_AUTH") or "sk-test")
local portkey = os.getenv("WRK_PORTKEY_HOST")
if portkey and portkey ~= "" then
  wrk.headers["x-portkey-provider"] = "openai"
  wrk.headers["x-portkey-custom-host"] = portkey
end
