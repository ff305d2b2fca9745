-- wrk body for a small non-streamed chat completion (performance.md Appendix A).
-- Extra headers come from the environment: WRK_AUTH (bearer token), WRK_PORTKEY_HOST (Portkey's custom host).
wrk.method = "POST"
wrk.body   = '{"model":"sim","messages":[{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":16}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("WRK_AUTH") or "sk-test")
local portkey = os.getenv("WRK_PORTKEY_HOST")
if portkey and portkey ~= "" then
  wrk.headers["x-portkey-provider"] = "openai"
  wrk.headers["x-portkey-custom-host"] = portkey
end
