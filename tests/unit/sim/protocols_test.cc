// Azure, Anthropic and Gemini as the simulator speaks them: answers, stream framing, error
// envelopes and rate-limit headers; plus models and embeddings.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "sim_test_util.h"

namespace detour {
namespace {

using namespace sim_test;
using nlohmann::json;

const std::string kAzurePath = "/azure/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21";
const std::string kAnthropicBody =
    R"({"model":"claude-sonnet","max_tokens":3,"messages":[{"role":"user","content":"hi"}]})";
const std::string kGeminiBody = R"({"contents":[{"role":"user","parts":[{"text":"hi"}]}]})";

TEST_CASE("sim azure: deployment in the path, api-version required, filter-only first chunk") {
  auto sim = StartSim(FastTrace(2));
  CHECK(sim->BaseUrl("azure") == sim->Root() + "/azure");
  auto res = Call(*sim, "POST", kAzurePath, R"({"messages":[]})");
  REQUIRE(res);
  CHECK(res->status == 200);
  json j = json::parse(res->body);
  CHECK(j["model"] == "gpt-4o");
  CHECK(j["usage"]["completion_tokens"] == 2);
  auto no_version = Call(*sim, "POST", "/azure/openai/deployments/gpt-4o/chat/completions", "{}");
  REQUIRE(no_version);
  CHECK(no_version->status == 404);
  auto st = Call(*sim, "POST", kAzurePath, R"({"stream":true,"messages":[]})");
  REQUIRE(st);
  auto ev = Events(st->body);
  REQUIRE(ev.size() == 6);  // filter chunk, role, 2 tokens, finish, [DONE]
  json first = json::parse(ev[0].substr(6));
  CHECK(first["id"] == "");
  CHECK(first["choices"].empty());
  CHECK(first.contains("prompt_filter_results"));
  CHECK(ev[5] == "data: [DONE]");
}

TEST_CASE("sim azure: errors carry string codes; rate limits x-ratelimit-*; content_filter 400") {
  Trace t = FastTrace();
  t.faults.push_back(Fault(FaultKind::kRateLimit, FaultTarget::Kind::kProvider, "azure"));
  auto sim = StartSim(t);
  auto res = Call(*sim, "POST", kAzurePath, "{}");
  REQUIRE(res);
  CHECK(res->status == 429);
  CHECK(json::parse(res->body)["error"]["code"] == "429");
  CHECK(res->Header("retry-after") == "1");
  CHECK(res->Header("x-ratelimit-remaining-requests") == "0");
  Trace c = FastTrace();
  c.faults.push_back(Fault(FaultKind::kContentPolicy));
  auto sim2 = StartSim(c);
  auto r2 = Call(*sim2, "POST", kAzurePath, "{}");
  REQUIRE(r2);
  CHECK(r2->status == 400);
  json e = json::parse(r2->body)["error"];
  CHECK(e["code"] == "content_filter");
  CHECK(e["innererror"]["code"] == "ResponsibleAIPolicyViolation");
}

TEST_CASE("sim anthropic: a message and its typed SSE events") {
  auto sim = StartSim(FastTrace(9));
  auto res = Call(*sim, "POST", "/anthropic/v1/messages", kAnthropicBody);
  REQUIRE(res);
  CHECK(res->status == 200);
  json j = json::parse(res->body);
  CHECK(j["type"] == "message");
  CHECK(j["content"][0]["text"] == "Simulated answer from");
  CHECK(j["stop_reason"] == "end_turn");
  CHECK(j["usage"]["output_tokens"] == 3);
  json body = json::parse(kAnthropicBody);
  body["stream"] = true;
  auto st = Call(*sim, "POST", "/anthropic/v1/messages", body.dump());
  REQUIRE(st);
  auto ev = Events(st->body);
  std::vector<std::string> names;
  for (const auto& e : ev) names.push_back(e.substr(7, e.find('\n') - 7));
  std::vector<std::string> want = {"message_start", "content_block_start", "ping",
                                   "content_block_delta", "content_block_delta", "content_block_delta",
                                   "content_block_stop", "message_delta", "message_stop"};
  CHECK(names == want);
  json delta = json::parse(ev[7].substr(ev[7].find("data: ") + 6));
  CHECK(delta["usage"]["output_tokens"] == 3);
  CHECK(delta["delta"]["stop_reason"] == "end_turn");
}

TEST_CASE("sim anthropic: 529 overloaded_error, 429 with anthropic-ratelimit-*") {
  Trace t = FastTrace();
  TraceFault f = Fault(FaultKind::kHttpError, FaultTarget::Kind::kProvider, "anthropic");
  f.status = 529;
  t.faults.push_back(f);
  auto sim = StartSim(t);
  auto res = Call(*sim, "POST", "/anthropic/v1/messages", kAnthropicBody);
  REQUIRE(res);
  CHECK(res->status == 529);
  json j = json::parse(res->body);
  CHECK(j["type"] == "error");
  CHECK(j["error"]["type"] == "overloaded_error");
  CHECK(j["error"]["message"] == "Overloaded");
  CHECK(res->Header("request-id").rfind("req_", 0) == 0);

  Trace r = FastTrace();
  TraceFault rl = Fault(FaultKind::kRateLimit);
  rl.retry_after = Millis(4000);
  r.faults.push_back(rl);
  auto sim2 = StartSim(r);
  auto r2 = Call(*sim2, "POST", "/anthropic/v1/messages", kAnthropicBody);
  REQUIRE(r2);
  CHECK(r2->status == 429);
  CHECK(json::parse(r2->body)["error"]["type"] == "rate_limit_error");
  CHECK(r2->Header("retry-after") == "4");
  CHECK(r2->Header("anthropic-ratelimit-requests-remaining") == "0");
  CHECK(r2->Header("anthropic-ratelimit-requests-reset").size() == 20);  // RFC 3339, UTC
  CHECK_FALSE(r2->Has("x-ratelimit-remaining-requests"));
}

TEST_CASE("sim anthropic: context window and no_done") {
  Trace t = FastTrace(2);
  t.faults.push_back(Fault(FaultKind::kContextWindow, FaultTarget::Kind::kModel, "claude-big"));
  t.faults.push_back(Fault(FaultKind::kNoDone, FaultTarget::Kind::kModel, "claude-sonnet"));
  auto sim = StartSim(t);
  auto res = Call(*sim, "POST", "/anthropic/v1/messages",
                  R"({"model":"claude-big","max_tokens":5,"messages":[]})");
  REQUIRE(res);
  CHECK(res->status == 400);
  CHECK(json::parse(res->body)["error"]["message"] == "prompt is too long: 210000 tokens > 200000 maximum");
  auto st = Call(*sim, "POST", "/anthropic/v1/messages",
                 R"({"model":"claude-sonnet","max_tokens":5,"stream":true,"messages":[]})");
  REQUIRE(st);
  CHECK(st->body.find("message_delta") != std::string::npos);
  CHECK(st->body.find("message_stop") == std::string::npos);
}

TEST_CASE("sim gemini: generateContent and streamGenerateContent with cumulative usage") {
  auto sim = StartSim(FastTrace(3));
  auto res = Call(*sim, "POST", "/gemini/v1beta/models/gemini-2.0-flash:generateContent", kGeminiBody);
  REQUIRE(res);
  CHECK(res->status == 200);
  json j = json::parse(res->body);
  CHECK(j["candidates"][0]["content"]["parts"][0]["text"] == "Simulated answer from");
  CHECK(j["candidates"][0]["finishReason"] == "STOP");
  CHECK(j["usageMetadata"]["candidatesTokenCount"] == 3);
  CHECK(j["modelVersion"] == "gemini-2.0-flash");
  auto st = Call(*sim, "POST", "/gemini/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse", kGeminiBody);
  REQUIRE(st);
  CHECK(st->Header("Content-Type") == "text/event-stream");
  auto ev = Events(st->body);
  REQUIRE(ev.size() == 4);
  CHECK(json::parse(ev[1].substr(6))["usageMetadata"]["candidatesTokenCount"] == 2);
  json last = json::parse(ev[3].substr(6));
  CHECK(last["candidates"][0]["finishReason"] == "STOP");
  CHECK(last["usageMetadata"]["candidatesTokenCount"] == 3);
}

TEST_CASE("sim gemini: google error envelope, RetryInfo on 429, blocked prompt as 200") {
  Trace t = FastTrace();
  TraceFault rl = Fault(FaultKind::kRateLimit, FaultTarget::Kind::kModel, "g-rl");
  rl.retry_after = Millis(7000);
  t.faults.push_back(rl);
  t.faults.push_back(Fault(FaultKind::kHttpError, FaultTarget::Kind::kModel, "g-503"));
  t.faults.push_back(Fault(FaultKind::kContentPolicy, FaultTarget::Kind::kModel, "g-block"));
  auto sim = StartSim(t);
  auto a = Call(*sim, "POST", "/gemini/v1beta/models/g-rl:generateContent", kGeminiBody);
  REQUIRE(a);
  CHECK(a->status == 429);
  json e = json::parse(a->body)["error"];
  CHECK(e["status"] == "RESOURCE_EXHAUSTED");
  CHECK(e["code"] == 429);
  CHECK(e["details"][0]["retryDelay"] == "7s");
  auto b = Call(*sim, "POST", "/gemini/v1beta/models/g-503:generateContent", kGeminiBody);
  REQUIRE(b);
  CHECK(b->status == 503);
  CHECK(json::parse(b->body)["error"]["status"] == "UNAVAILABLE");
  auto c = Call(*sim, "POST", "/gemini/v1beta/models/g-block:generateContent", kGeminiBody);
  REQUIRE(c);
  CHECK(c->status == 200);
  CHECK(json::parse(c->body)["promptFeedback"]["blockReason"] == "SAFETY");
}

TEST_CASE("sim openai: models and embeddings; unknown paths are 404") {
  auto sim = StartSim(FastTrace());
  auto m = Call(*sim, "GET", "/v1/models", "");
  REQUIRE(m);
  CHECK(m->status == 200);
  CHECK(json::parse(m->body)["data"][0]["id"] == "gpt-4o");
  auto e = Call(*sim, "POST", "/v1/embeddings", R"({"model":"text-embedding-3-small","input":["a","b"]})");
  REQUIRE(e);
  CHECK(e->status == 200);
  json j = json::parse(e->body);
  CHECK(j["data"].size() == 2);
  CHECK(j["data"][1]["index"] == 1);
  CHECK(j["data"][0]["embedding"].size() == 8);
  auto u = Call(*sim, "POST", "/v2/chat", "{}");
  REQUIRE(u);
  CHECK(u->status == 404);
  auto bad = Call(*sim, "POST", "/v1/chat/completions", "{not json");
  REQUIRE(bad);
  CHECK(bad->status == 400);
}

}  // namespace
}  // namespace detour
