// Each SPEC 7 fault kind's wire behaviour, over real HTTP on loopback.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "model/clock.h"
#include "sim/schedule.h"
#include "sim_test_util.h"

namespace detour {
namespace {

using namespace sim_test;
using nlohmann::json;

const std::string kStream = R"({"model":"gpt-4o","stream":true,"messages":[]})";
const std::string kPlain = R"({"model":"gpt-4o","messages":[]})";

std::unique_ptr<sim::Simulator> WithFault(TraceFault f, int completion = 6) {
  Trace t = FastTrace(completion);
  t.faults.push_back(f);
  return StartSim(t);
}

TEST_CASE("fault reset: the connection is reset before any byte") {
  auto sim = WithFault(Fault(FaultKind::kReset));
  CHECK(Ending(PortOf(*sim), Request("POST", "/v1/chat/completions", kPlain)) == "reset");
  CHECK(sim->Counters().faults == 1);
}

TEST_CASE("fault hang: accepted, never answered, ended by Stop") {
  auto sim = WithFault(Fault(FaultKind::kHang));
  rawhttp::RawConn c;
  REQUIRE(c.Connect(PortOf(*sim)));
  c.Send(Request("POST", "/v1/chat/completions", kPlain));
  CHECK_FALSE(c.ReadHead(std::chrono::milliseconds(300)));
  CHECK(c.pending().empty());
  sim->Stop();
  CHECK(c.WaitClosed(std::chrono::milliseconds(5000)));
}

TEST_CASE("fault stream_cut: the stream dies after after_tokens tokens") {
  TraceFault f = Fault(FaultKind::kStreamCut);
  f.after_tokens = 2;
  auto sim = WithFault(f);
  rawhttp::RawConn c;
  REQUIRE(c.Connect(PortOf(*sim)));
  c.Send(Request("POST", "/v1/chat/completions", kStream));
  auto head = c.ReadHead(std::chrono::milliseconds(5000));
  REQUIRE(head);
  CHECK(head->status == 200);
  std::string body;
  while (auto chunk = c.ReadChunk(std::chrono::milliseconds(5000))) {
    REQUIRE_FALSE(chunk->empty());  // never the terminating chunk
    body += *chunk;
  }
  CHECK(c.eof());
  auto ev = Events(body);
  REQUIRE(ev.size() == 3);  // role + 2 tokens
  CHECK(body.find("[DONE]") == std::string::npos);
}

TEST_CASE("fault stream_cut on a buffered request: a truncated body") {
  auto sim = WithFault(Fault(FaultKind::kStreamCut));
  rawhttp::RawConn c;
  REQUIRE(c.Connect(PortOf(*sim)));
  c.Send(Request("POST", "/v1/chat/completions", kPlain));
  CHECK_FALSE(c.ReadResponse(std::chrono::milliseconds(5000)));
  CHECK(c.eof());
}

TEST_CASE("fault stall: silent for `for` after after_tokens, then the rest") {
  TraceFault f = Fault(FaultKind::kStall);
  f.after_tokens = 1;
  f.stall_for = Millis(400);
  auto sim = WithFault(f, 3);
  rawhttp::RawConn c;
  REQUIRE(c.Connect(PortOf(*sim)));
  c.Send(Request("POST", "/v1/chat/completions", kStream));
  REQUIRE(c.ReadHead(std::chrono::milliseconds(5000)));
  REQUIRE(c.ReadChunk(std::chrono::milliseconds(5000)));  // role
  REQUIRE(c.ReadChunk(std::chrono::milliseconds(5000)));  // token 1
  CHECK_FALSE(c.ReadChunk(std::chrono::milliseconds(200)));  // the stall
  std::string body;
  while (auto chunk = c.ReadChunk(std::chrono::milliseconds(5000))) {
    if (chunk->empty()) break;
    body += *chunk;
  }
  CHECK(body.find("data: [DONE]") != std::string::npos);
  CHECK(Events(body).size() == 4);  // tokens 2, 3, finish, [DONE]
}

TEST_CASE("fault malformed_chunk: one event that is not JSON, the rest intact") {
  auto sim = WithFault(Fault(FaultKind::kMalformedChunk), 4);
  auto res = Call(*sim, "POST", "/v1/chat/completions", kStream);
  REQUIRE(res);
  auto ev = Events(res->body);
  REQUIRE(ev.size() == 8);  // role, 4 tokens, the bad one, finish, [DONE]
  int bad = 0;
  for (const auto& e : ev) {
    if (e == "data: [DONE]") continue;
    if (!json::accept(e.substr(6))) ++bad;
  }
  CHECK(bad == 1);
  CHECK(ev.back() == "data: [DONE]");
}

TEST_CASE("fault no_done: a complete stream without its terminator") {
  auto sim = WithFault(Fault(FaultKind::kNoDone), 2);
  auto res = Call(*sim, "POST", "/v1/chat/completions", kStream);
  REQUIRE(res);
  auto ev = Events(res->body);
  REQUIRE(ev.size() == 4);  // role, 2 tokens, finish
  CHECK(json::parse(ev[3].substr(6))["choices"][0]["finish_reason"] == "stop");
  CHECK(res->body.find("[DONE]") == std::string::npos);
}

TEST_CASE("fault slow: first token and token time multiplied by factor") {
  Trace t = FastTrace();
  TraceFault f = Fault(FaultKind::kSlow);
  f.factor = 10;
  t.faults.push_back(f);
  Trace healthy = FastTrace();
  sim::RequestFacts r{"openai", "", "m", 3, Millis(10)};
  auto slow = sim::Decide(t, 1, r);
  auto base = sim::Decide(healthy, 1, r);
  CHECK(slow.first_token.count() == doctest::Approx(base.first_token.count() * 10).epsilon(0.05));
  CHECK(slow.per_token_ms == doctest::Approx(base.per_token_ms * 10));
  auto sim = StartSim(t);
  CHECK(Call(*sim, "POST", "/v1/chat/completions", kPlain)->status == 200);
}

TEST_CASE("fault context_window and content_policy: 400 with OpenAI's codes") {
  auto a = WithFault(Fault(FaultKind::kContextWindow));
  auto r1 = Call(*a, "POST", "/v1/chat/completions", kPlain);
  REQUIRE(r1);
  CHECK(r1->status == 400);
  CHECK(json::parse(r1->body)["error"]["code"] == "context_length_exceeded");
  auto b = WithFault(Fault(FaultKind::kContentPolicy));
  auto r2 = Call(*b, "POST", "/v1/chat/completions", kPlain);
  REQUIRE(r2);
  CHECK(r2->status == 400);
  CHECK(json::parse(r2->body)["error"]["code"] == "content_policy_violation");
}

TEST_CASE("latency: the first token is log-normal around the median") {
  Trace t = FastTrace();
  t.baseline.first_token = Millis(450);
  std::vector<long> ft;
  for (uint64_t i = 0; i < 401; ++i)
    ft.push_back(sim::Decide(t, 1, {"openai", "", "m", i, Millis(0)}).first_token.count());
  std::sort(ft.begin(), ft.end());
  CHECK(ft[200] > 400);  // median near 450 ms
  CHECK(ft[200] < 500);
  CHECK(ft[396] > 700);  // a tail: p99 about 2.3x
  CHECK(ft[4] > 150);
}

TEST_CASE("latency waits through the injected clock (virtual time)") {
  Trace t = FastTrace(100);
  t.baseline.first_token = Millis(60000);  // a minute to the first token, in virtual time
  t.baseline.tokens_per_second = 1;
  FakeClock clock;
  sim::SimOptions o;
  o.clock = &clock;
  auto s = sim::Simulator::Start(t, o);
  REQUIRE(s.ok());
  auto res = Call(**s, "POST", "/v1/chat/completions", kPlain);
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(clock.slept() > std::chrono::minutes(2));  // first token + 99 s of tokens
}

TEST_CASE("recorded traces replay each deployment's outcome nearest before now") {
  Trace t = FastTrace(2);
  RecordedAttempt ok{Millis(0), "openai/a", "openai", "gpt-4o", "ok", 200, Millis(5), Millis(10), false};
  RecordedAttempt bad{Millis(0), "openai/b", "openai", "gpt-4o", "server_error", 503, std::nullopt, Millis(5), false};
  RecordedAttempt later{Millis(3600000), "openai/a", "openai", "gpt-4o", "rate_limit", 429, std::nullopt, Millis(5), false};
  t.recorded = {ok, bad, later};
  auto sim = StartSim(t);
  CHECK(Call(*sim, "POST", "/d/openai%2Fa/v1/chat/completions", kPlain)->status == 200);
  CHECK(Call(*sim, "POST", "/d/openai%2Fb/v1/chat/completions", kPlain)->status == 503);
  CHECK(Call(*sim, "POST", "/d/openai%2Fc/v1/chat/completions", kPlain)->status == 200);
  sim::RequestFacts r{"openai", "openai/a", "gpt-4o", 0, Millis(3600001)};
  auto d = sim::Replay(t, r, 2);
  REQUIRE(d);
  REQUIRE(d->fault);
  CHECK(d->fault->kind == FaultKind::kRateLimit);
  CHECK(sim->Counters().faults == 1);
}


TEST_CASE("min_write_gap batches tokens into fewer writes, with the same events and the same cut") {
  // Tokens every 0.5 ms; a 1 s gap puts every token in the first write after the first token.
  Trace t = FastTrace(20);
  TraceFault f = Fault(FaultKind::kStreamCut);
  f.after_tokens = 12;
  t.faults.push_back(f);
  sim::SimOptions o;
  o.min_write_gap = Millis(1000);
  auto started = sim::Simulator::Start(t, o);
  REQUIRE(started.ok());
  auto& sim = *started;
  rawhttp::RawConn c;
  REQUIRE(c.Connect(PortOf(*sim)));
  c.Send(Request("POST", "/v1/chat/completions", kStream));
  auto head = c.ReadHead(std::chrono::milliseconds(5000));
  REQUIRE(head);
  std::string body;
  int chunks = 0;
  while (auto chunk = c.ReadChunk(std::chrono::milliseconds(5000))) {
    REQUIRE_FALSE(chunk->empty());
    body += *chunk;
    chunks++;
  }
  CHECK(c.eof());
  CHECK(Events(body).size() == 13);  // role + the 12 tokens before the cut
  CHECK(chunks <= 2);                // the head, then one batch
}

}  // namespace
}  // namespace detour
