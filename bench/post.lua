-- wrk script for bench/run.sh: the same non-stream chat request on every call.
-- BENCH_MODEL picks the "model" field (the fake upstream answers any model).
local model = os.getenv("BENCH_MODEL") or "bench"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"' .. model .. '","messages":[{"role":"user","content":"hi"}]}'
