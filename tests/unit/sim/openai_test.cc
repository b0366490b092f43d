// The simulator's OpenAI protocol over real HTTP on loopback: answers, streams with usage,
// error and rate-limit faults, seeded schedules.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "sim/schedule.h"
#include "sim_test_util.h"

namespace detour {
namespace {

using namespace sim_test;
using nlohmann::json;

const std::string kChat = R"({"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]})";

TEST_CASE("sim openai: a non-streamed answer with usage counts the trace's tokens") {
  auto sim = StartSim(FastTrace(5));
  auto res = Call(*sim, "POST", "/v1/chat/completions", kChat);
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->Header("Content-Type") == "application/json");
  CHECK(res->Header("x-request-id") == "req_sim0");
  json j = json::parse(res->body);
  CHECK(j["object"] == "chat.completion");
  CHECK(j["id"] == "chatcmpl-sim0");
  CHECK(j["model"] == "gpt-4o");
  CHECK(j["choices"][0]["message"]["content"] == "Simulated answer from the detour");
  CHECK(j["choices"][0]["finish_reason"] == "stop");
  CHECK(j["usage"]["completion_tokens"] == 5);
  CHECK(j["usage"]["total_tokens"] == j["usage"]["prompt_tokens"].get<int>() + 5);
  CHECK(sim->Counters().requests["openai"] == 1);
  CHECK(sim->Counters().faults == 0);
}

TEST_CASE("sim openai: max_tokens bounds the answer") {
  auto sim = StartSim(FastTrace(50));
  auto res = Call(*sim, "POST", "/v1/chat/completions",
                  R"({"model":"m","max_tokens":2,"messages":[{"role":"user","content":"hi"}]})");
  REQUIRE(res);
  CHECK(json::parse(res->body)["usage"]["completion_tokens"] == 2);
}

TEST_CASE("sim openai: a stream sends role, one chunk per token, finish, usage, [DONE]") {
  auto sim = StartSim(FastTrace(3));
  auto res = Call(*sim, "POST", "/v1/chat/completions",
                  R"({"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[]})");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->Header("Content-Type") == "text/event-stream");
  CHECK(res->chunked);
  auto ev = Events(res->body);
  REQUIRE(ev.size() == 7);
  CHECK(json::parse(ev[0].substr(6))["choices"][0]["delta"]["role"] == "assistant");
  CHECK(json::parse(ev[1].substr(6))["choices"][0]["delta"]["content"] == "Simulated");
  CHECK(json::parse(ev[3].substr(6))["choices"][0]["delta"]["content"] == " from");
  CHECK(json::parse(ev[4].substr(6))["choices"][0]["finish_reason"] == "stop");
  json usage = json::parse(ev[5].substr(6));
  CHECK(usage["choices"].empty());
  CHECK(usage["usage"]["completion_tokens"] == 3);
  CHECK(ev[6] == "data: [DONE]");
}

TEST_CASE("sim openai: without include_usage no usage chunk") {
  auto sim = StartSim(FastTrace(2));
  auto res = Call(*sim, "POST", "/v1/chat/completions", R"({"model":"m","stream":true,"messages":[]})");
  REQUIRE(res);
  auto ev = Events(res->body);
  REQUIRE(ev.size() == 5);  // role, 2 tokens, finish, [DONE]
  CHECK(ev[4] == "data: [DONE]");
}

TEST_CASE("sim openai: http_error answers the status with OpenAI's error envelope") {
  Trace t = FastTrace();
  t.faults.push_back(Fault(FaultKind::kHttpError, FaultTarget::Kind::kProvider, "openai"));
  auto sim = StartSim(t);
  auto res = Call(*sim, "POST", "/v1/chat/completions", kChat);
  REQUIRE(res);
  CHECK(res->status == 503);
  json j = json::parse(res->body);
  CHECK(j["error"]["type"] == "server_error");
  CHECK(j["error"]["message"] == "The server is overloaded or not ready yet.");
  CHECK_FALSE(res->Has("retry-after"));
  CHECK(sim->Counters().faults == 1);
}

TEST_CASE("sim openai: rate_limit is 429 with Retry-After and x-ratelimit headers") {
  Trace t = FastTrace();
  TraceFault f = Fault(FaultKind::kRateLimit);
  f.retry_after = Millis(2500);
  t.faults.push_back(f);
  auto sim = StartSim(t);
  auto res = Call(*sim, "POST", "/v1/chat/completions", kChat);
  REQUIRE(res);
  CHECK(res->status == 429);
  CHECK(res->Header("retry-after") == "3");
  CHECK(res->Header("retry-after-ms") == "2500");
  CHECK(res->Header("x-ratelimit-remaining-requests") == "0");
  CHECK(res->Header("x-ratelimit-reset-requests") == "3s");
  CHECK(res->Header("x-ratelimit-remaining-tokens") == "0");
  json j = json::parse(res->body);
  CHECK(j["error"]["code"] == "rate_limit_exceeded");
  CHECK(j["error"]["type"] == "requests");
}

TEST_CASE("sim: a fault targets only its provider, deployment or model") {
  Trace t = FastTrace();
  t.faults.push_back(Fault(FaultKind::kHttpError, FaultTarget::Kind::kDeployment, "openai/a"));
  t.faults.push_back(Fault(FaultKind::kRateLimit, FaultTarget::Kind::kModel, "gpt-x"));
  auto sim = StartSim(t);
  CHECK(sim->BaseUrl("openai", "openai/a") == sim->Root() + "/d/openai%2Fa/v1");
  CHECK(Call(*sim, "POST", "/d/openai%2Fa/v1/chat/completions", kChat)->status == 503);
  CHECK(Call(*sim, "POST", "/d/openai%2Fb/v1/chat/completions", kChat)->status == 200);
  CHECK(Call(*sim, "POST", "/v1/chat/completions", kChat)->status == 200);
  CHECK(Call(*sim, "POST", "/v1/chat/completions", R"({"model":"gpt-x","messages":[]})")->status == 429);
  auto c = sim->Counters();
  CHECK(c.requests["openai/a"] == 1);
  CHECK(c.requests["openai/b"] == 1);
  CHECK(c.requests["openai"] == 2);
  CHECK(c.faults == 2);
}

// The schedule a seed gives: which of 200 requests get a 40% fault.
std::vector<bool> Schedule(uint64_t seed) {
  Trace t = FastTrace();
  TraceFault f = Fault(FaultKind::kHttpError);
  f.rate = 0.4;
  t.faults.push_back(f);
  std::vector<bool> hits;
  for (uint64_t i = 0; i < 200; ++i) {
    sim::RequestFacts r{"openai", "openai/a", "gpt-4o", i, Millis(1000)};
    hits.push_back(sim::Decide(t, seed, r).fault.has_value());
  }
  return hits;
}

TEST_CASE("sim: the same seed gives the same fault schedule, another seed another") {
  auto a = Schedule(7), b = Schedule(7), c = Schedule(8);
  CHECK(a == b);
  CHECK(a != c);
  long n = std::count(a.begin(), a.end(), true);
  CHECK(n > 50);  // 40% of 200, loosely
  CHECK(n < 110);
}

TEST_CASE("sim: the same seed over HTTP gives the same statuses") {
  Trace t = FastTrace(1);
  TraceFault f = Fault(FaultKind::kHttpError);
  f.rate = 0.5;
  t.faults.push_back(f);
  auto run = [&](uint64_t seed) {
    auto sim = StartSim(t, seed);
    std::vector<int> st;
    for (int i = 0; i < 30; ++i) st.push_back(Call(*sim, "POST", "/v1/chat/completions", kChat)->status);
    CHECK(sim->Counters().faults == std::count(st.begin(), st.end(), 503));
    return st;
  };
  auto a = run(3), b = run(3), c = run(4);
  CHECK(a == b);
  CHECK(a != c);
}

TEST_CASE("sim: fault windows follow trace time; baseline errors only outside them") {
  Trace t = FastTrace();
  t.faults.push_back(Outage(60000, 120000));
  t.baseline.error_rate = 1.0;
  sim::RequestFacts before{"openai", "", "m", 0, Millis(59999)};
  sim::RequestFacts inside{"openai", "", "m", 0, Millis(60000)};
  auto d0 = sim::Decide(t, 1, before);
  REQUIRE(d0.fault);
  CHECK(d0.baseline_error);
  CHECK(d0.fault->status == 500);
  auto d1 = sim::Decide(t, 1, inside);
  REQUIRE(d1.fault);
  CHECK_FALSE(d1.baseline_error);
  CHECK(d1.fault->status == 503);
}

TEST_CASE("sim: Stop ends the listener") {
  auto sim = StartSim(FastTrace());
  int port = PortOf(*sim);
  sim->Stop();
  rawhttp::RawConn c;
  CHECK_FALSE(c.Connect(port));
}

}  // namespace
}  // namespace detour
