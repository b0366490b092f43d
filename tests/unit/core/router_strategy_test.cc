// The latency-, usage- and cost-aware strategies (SPEC 3.4) through the Router over real
// HTTP, asserted by where the upstream traffic lands; and the response cache in the
// Router (a hit makes no upstream call and is reported as one).
#include "router_harness.h"

namespace detour::router_test {
namespace {

std::string Pair(const std::string& router, const std::string& a_extra, const std::string& b_extra,
                 const std::string& more = "") {
  return "[router]\ntimeout = \"10s\"\n" + router + R"(

[[deployments]]
id = "a"
model_name = "g"
provider = "openai-compatible"
model = "m-a"
api_base = "{BASE}/a/v1"
)" + a_extra + R"(

[[deployments]]
id = "b"
model_name = "g"
provider = "openai-compatible"
model = "m-b"
api_base = "{BASE}/b/v1"
)" + b_extra + "\n" + more + "\n";
}

FakeStep Delayed(const std::string& text, int ms) {
  FakeStep s = FakeStep::Reply(text);
  s.delay_ms = ms;
  return s;
}

TEST_CASE("lowest-latency: the faster deployment takes the traffic, and loses it when it slows") {
  FakeScript s;
  // a answers at once for its first 8 requests, then takes 250 ms; b always takes 60 ms.
  std::vector<FakeStep> a(8, FakeStep::Reply("a"));
  a.push_back(Delayed("a-slow", 250));
  s.Route("/a", a);
  s.Route("/b", {Delayed("b", 60)});
  Harness h(s, Pair("strategy = \"lowest-latency\"", "", ""));
  std::vector<std::string> who;
  for (int i = 0; i < 24; i++) {
    auto r = h.Complete("g");
    REQUIRE(r.ok());
    who.push_back(r->route.deployment);
  }
  // Both are measured once (unmeasured looks fast), then a's 8 fast answers win.
  CHECK(std::count(who.begin(), who.begin() + 9, "a") >= 8);
  // a's EWMA climbs past b's within a few slow answers; then b takes everything.
  CHECK(h.Hits("/a") <= 8 + 4);
  CHECK(std::count(who.end() - 8, who.end(), "b") == 8);
}

TEST_CASE("lowest-latency: streams go by time to first token, not by total time") {
  FakeScript s;
  // a: the first token at once, then a long answer; b: a slow first token, then quick.
  FakeStep a = FakeStep::Stream({"a1", "a2", "a3", "a4"});
  a.chunk_interval_ms = 40;
  FakeStep b = FakeStep::Stream({"b1", "b2", "b3", "b4"});
  b.first_chunk_delay_ms = 60;
  s.Route("/a", {a});
  s.Route("/b", {b});
  Harness h(s, Pair("strategy = \"lowest-latency\"", "", ""));
  for (int i = 0; i < 12; i++) {
    ChatRequest req = Harness::Ask("g");
    req.stream = true;
    Collector c;
    REQUIRE(h.router->Stream(req, c).ok());
  }
  // b is measured once at most (while unmeasured); a's first tokens are far quicker.
  CHECK(h.Hits("/a") >= 10);
}

TEST_CASE("cost: the cheaper deployment takes the traffic; a deployment without a price comes last") {
  FakeScript s;
  s.Route("/a", {FakeStep::Reply("a")});
  s.Route("/b", {FakeStep::Reply("b")});
  s.Route("/c", {FakeStep::Reply("c")});
  Harness h(s, Pair("strategy = \"cost\"\nnum_retries = 1", "price = { input = 2.5, output = 10 }",
                    "price = { input = 0.15, output = 0.6 }", R"(
[[deployments]]
id = "c"
model_name = "g"
provider = "openai-compatible"
model = "m-c"
api_base = "{BASE}/c/v1"
)"));
  for (int i = 0; i < 10; i++) CHECK(h.Complete("g")->route.deployment == "b");
  CHECK(h.Hits("/a") == 0);
  CHECK(h.Hits("/c") == 0);
}

TEST_CASE("usage: traffic goes to the deployment with the lowest share of its rpm") {
  FakeScript s;
  s.Route("/a", {FakeStep::Reply("a")});
  s.Route("/b", {FakeStep::Reply("b")});
  Harness h(s, Pair("strategy = \"usage\"", "rpm = 10", "rpm = 40"));
  for (int i = 0; i < 20; i++) REQUIRE(h.Complete("g").ok());
  // Equal shares at 4 a / 16 b: a's share grows four times as fast per request.
  CHECK(h.Hits("/a") >= 3);
  CHECK(h.Hits("/a") <= 5);
  CHECK(h.Hits("/b") >= 15);
}

std::string Cached(const std::string& cache = "enabled = true\nttl = \"10m\"\nmax_entries = 100") {
  return Pair("", "", "", "[cache]\n" + cache + "\n");
}

struct Reports : RequestObserver {
  std::vector<RequestReport> seen;
  void OnRequestEnd(const RequestReport& r) override { seen.push_back(r); }
};

TEST_CASE("cache in the router: a hit makes no upstream call, keeps the answer, and is reported") {
  FakeScript s;
  s.Route("/a", {FakeStep::Reply("first"), FakeStep::Reply("second")});
  s.Route("/b", {FakeStep::Reply("first"), FakeStep::Reply("second")});
  Harness h(s, Cached());
  Reports reports;
  h.router->AddObserver(&reports);
  auto miss = h.Complete("g");
  REQUIRE(miss.ok());
  CHECK(miss->route.cache == CacheStatus::kMiss);
  auto hit = h.Complete("g");
  REQUIRE(hit.ok());
  CHECK(hit->route.cache == CacheStatus::kHit);
  CHECK(hit->route.attempts.empty());
  CHECK(hit->route.deployment == miss->route.deployment);
  CHECK(ResponseJson(hit->response) == ResponseJson(miss->response));
  CHECK(h.Hits("/a") + h.Hits("/b") == 1);
  REQUIRE(reports.seen.size() == 2);
  CHECK_FALSE(reports.seen[0].cache_hit);
  CHECK(reports.seen[1].cache_hit);
  CHECK(reports.seen[1].ok);
  CHECK(reports.seen[1].attempts.empty());
  CHECK(reports.seen[1].cost_usd == 0);
  CHECK(reports.seen[1].usage.total() == 0);
  CHECK(reports.seen[1].deployment == miss->route.deployment);

  // A stream of the same request is served from the cache too, as a stream.
  ChatRequest req = Harness::Ask("g");
  req.stream = true;
  Collector c;
  auto streamed = h.router->Stream(req, c);
  REQUIRE(streamed.ok());
  CHECK(c.committed_route.cache == CacheStatus::kHit);
  CHECK(c.text == ResponseJson(miss->response)["choices"][0]["message"]["content"].get<std::string>());
  CHECK(c.role_chunks == 1);
  CHECK(h.Hits("/a") + h.Hits("/b") == 1);
  CHECK(reports.seen.back().cache_hit);
  CHECK(reports.seen.back().stream);
}

TEST_CASE("cache in the router: a completed stream is stored; failures and no-store are not") {
  FakeScript s;
  s.Route("/a", {FakeStep::Stream({"Hel", "lo"}), FakeStep::Reply("later")});
  s.Route("/b", {Error(400, R"({"error":{"message":"bad"}})")});
  Harness h(s, Cached() + "\n", SystemClock());
  ChatRequest req = Harness::Ask("a");  // pinned to a
  req.stream = true;
  Collector c;
  auto streamed = h.router->Stream(req, c);
  REQUIRE(streamed.ok());
  CHECK(c.committed_route.cache == CacheStatus::kMiss);
  CHECK(streamed->route.cache == CacheStatus::kMiss);
  // The buffered request of the same body is answered from the stored stream.
  auto hit = h.Complete("a");
  REQUIRE(hit.ok());
  CHECK(hit->route.cache == CacheStatus::kHit);
  CHECK(ResponseJson(hit->response)["choices"][0]["message"]["content"] == "Hello");
  CHECK(ResponseJson(hit->response)["object"] == "chat.completion");
  CHECK(h.Hits("/a") == 1);

  // A bad_request is returned, never stored.
  CHECK_FALSE(h.Complete("b").ok());
  CHECK_FALSE(h.Complete("b").ok());
  CHECK(h.Hits("/b") == 2);

  // no-cache: upstream answers (and the answer replaces the stored one).
  ChatRequest fresh = Harness::Ask("a");
  fresh.overrides.cache = CacheDirective::kNoCache;
  auto r = h.Complete(fresh);
  REQUIRE(r.ok());
  CHECK(r->route.cache == CacheStatus::kMiss);
  CHECK(ResponseJson(r->response)["choices"][0]["message"]["content"] == "later");
  CHECK(h.Hits("/a") == 2);
  CHECK(ResponseJson(h.Complete("a")->response)["choices"][0]["message"]["content"] == "later");
  CHECK(h.Hits("/a") == 2);
}

TEST_CASE("cache in the router: ttl on the injected clock") {
  FakeScript s;
  s.Route("/a", {FakeStep::Reply("one"), FakeStep::Reply("two")});
  s.Route("/b", {FakeStep::Reply("one"), FakeStep::Reply("two")});
  FakeClock clock;
  Harness h(s, Cached("enabled = true\nttl = \"30s\""), clock);
  REQUIRE(h.Complete("a").ok());
  clock.Advance(std::chrono::seconds(29));
  CHECK(h.Complete("a")->route.cache == CacheStatus::kHit);
  clock.Advance(std::chrono::seconds(1));
  auto r = h.Complete("a");
  CHECK(r->route.cache == CacheStatus::kMiss);
  CHECK(ResponseJson(r->response)["choices"][0]["message"]["content"] == "two");
  CHECK(h.Hits("/a") == 2);
}

TEST_CASE("cache off: routes say nothing about the cache") {
  FakeScript s;
  s.Route("/a", {FakeStep::Reply("a")});
  s.Route("/b", {FakeStep::Reply("b")});
  Harness h(s, Pair("", "", ""));
  CHECK(h.Complete("g")->route.cache == CacheStatus::kOff);
  CHECK(h.Complete("g")->route.cache == CacheStatus::kOff);
  CHECK(h.Hits("/a") + h.Hits("/b") == 2);
}

}  // namespace
}  // namespace detour::router_test
