// Cooldown and recovery (SPEC 3.3) and load balancing (3.4, rpm limits), asserted by
// where the upstream traffic lands.
#include "router_harness.h"

namespace detour::router_test {
namespace {

std::string TwoInGroup(const std::string& router, const std::string& a_extra, const std::string& b_extra) {
  return R"(
[router]
backoff = { base = "10ms", max = "40ms" }
)" + router + R"(

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
)" + b_extra + "\n";
}

bool WaitUntil(const std::function<bool()>& done, Millis timeout) {
  auto until = SteadyClock::now() + timeout;
  while (!done()) {
    if (SteadyClock::now() > until) return false;
    std::this_thread::sleep_for(Millis(10));
  }
  return true;
}

TEST_CASE("cooldown then recovery: traffic leaves a failing primary and returns after it heals") {
  FakeScript s;
  // The primary fails twice, then is healthy.
  s.Route("/a", {Error(503, R"({"error":{"message":"down"}})"), Error(503, R"({"error":{"message":"down"}})"),
                 FakeStep::Reply("primary healed")});
  s.Route("/b", {FakeStep::Reply("backup")});
  Harness h(s, PrimaryBackup("num_retries = 0\nallowed_fails = 1\ncooldown = \"400ms\"\ncooldown_window = \"60s\""));
  CHECK(h.Complete("primary")->route.deployment == "b");  // failure 1: allowed
  CHECK_FALSE(h.Cooling("a"));
  CHECK(h.Complete("primary")->route.deployment == "b");  // failure 2: cools down
  CHECK(h.Cooling("a"));
  CHECK(h.Complete("primary")->route.deployment == "b");  // cooling: not tried
  CHECK(h.Hits("/a") == 2);
  REQUIRE(WaitUntil([&] { return !h.Cooling("a"); }, Millis(3000)));
  // Half-open: the next request probes the primary, which has healed.
  CHECK(h.Complete("primary")->route.deployment == "a");
  CHECK(h.Complete("primary")->route.deployment == "a");
  CHECK(h.Hits("/a") == 4);
  CHECK(h.Hits("/b") == 3);
}

TEST_CASE("a failed half-open probe reopens the circuit with the cooldown doubled") {
  FakeScript s;
  s.Route("/a", {Error(503, R"({"error":{"message":"still down"}})")});
  s.Route("/b", {FakeStep::Reply("b")});
  // num_retries = 1: after a fails, the retry goes to b (another deployment of the group).
  Harness h(s, TwoInGroup("num_retries = 1\nallowed_fails = 0\ncooldown = \"300ms\"\nstrategy = \"priority\"",
                          "order = 1", "order = 2"));
  CHECK(h.Complete("g")->route.deployment == "b");  // a fails, cools 300 ms, b answers
  auto opened = SteadyClock::now();
  REQUIRE(WaitUntil([&] { return !h.Cooling("a"); }, Millis(3000)));
  CHECK(MillisSince(opened) >= 250);
  CHECK(h.Complete("g")->route.deployment == "b");  // probe fails: reopened for 600 ms
  auto reopened = SteadyClock::now();
  CHECK(h.Cooling("a"));
  REQUIRE(WaitUntil([&] { return !h.Cooling("a"); }, Millis(3000)));
  CHECK(MillisSince(reopened) >= 500);
  CHECK(h.Hits("/a") == 2);
}

TEST_CASE("everything cooling: one attempt at the deployment whose cooldown ends first") {
  FakeScript s;
  s.Route("/a", {Error(401, R"({"error":{"message":"bad key"}})"), FakeStep::Reply("a is back")});
  s.Route("/b", {Error(401, R"({"error":{"message":"bad key"}})"), FakeStep::Reply("b is back")});
  Harness h(s, TwoInGroup("num_retries = 0\ncooldown = \"60s\"\nstrategy = \"priority\"", "order = 1", "order = 2"));
  // auth is not retried: each request tries one deployment, which cools for 60 s.
  REQUIRE_FALSE(h.Complete("g").ok());  // a: 401
  CHECK(h.Cooling("a"));
  REQUIRE_FALSE(h.Complete("g").ok());  // b: 401 (a is cooling)
  CHECK(h.Cooling("b"));
  auto r = h.Complete("g");
  REQUIRE(r.ok());
  CHECK(r->route.deployment == "a");
  CHECK(h.Hits("/a") == 2);
  CHECK(h.Hits("/b") == 1);
}

TEST_CASE("simple-shuffle follows the weights") {
  FakeScript s;
  s.Route("/a", {FakeStep::Reply("a")});
  s.Route("/b", {FakeStep::Reply("b")});
  Harness h(s, TwoInGroup("strategy = \"simple-shuffle\"", "weight = 3", "weight = 1"));
  for (int i = 0; i < 400; i++) REQUIRE(h.Complete("g").ok());
  CHECK(h.Hits("/a") + h.Hits("/b") == 400);
  // Expected 300 / 100; the bounds are ~6 standard deviations wide.
  CHECK(h.Hits("/a") > 250);
  CHECK(h.Hits("/a") < 350);
}

TEST_CASE("simple-shuffle without weights weighs by rpm") {
  FakeScript s;
  s.Route("/a", {FakeStep::Reply("a")});
  s.Route("/b", {FakeStep::Reply("b")});
  Harness h(s, TwoInGroup("strategy = \"simple-shuffle\"", "rpm = 9000", "rpm = 1000"));
  for (int i = 0; i < 300; i++) REQUIRE(h.Complete("g").ok());
  CHECK(h.Hits("/a") > 240);
  CHECK(h.Hits("/a") < 295);
}

TEST_CASE("least-busy sends new requests to the deployment with fewer in flight") {
  FakeScript s;
  FakeStep slow = FakeStep::Reply("slow");
  slow.delay_ms = 1500;
  s.Route("/a", {slow, FakeStep::Reply("a")});
  s.Route("/b", {FakeStep::Reply("b")});
  Harness h(s, TwoInGroup("strategy = \"least-busy\"\ntimeout = \"5s\"", "", ""));
  // Pin one long request on a (a deployment id routes to that deployment only).
  std::thread busy([&] { CHECK(h.Complete("a").ok()); });
  REQUIRE(h.fake.WaitForHits("/a", 1, std::chrono::seconds(5)));
  for (int i = 0; i < 6; i++) CHECK(h.Complete("g")->route.deployment == "b");
  busy.join();
  CHECK(h.Hits("/a") == 1);
  CHECK(h.Hits("/b") == 6);
}

TEST_CASE("priority: the lowest order takes all traffic while it is available") {
  FakeScript s;
  s.Route("/a", {FakeStep::Reply("a"), FakeStep::Reply("a"), FakeStep::Reply("a"),
                 Error(401, R"({"error":{"message":"revoked"}})")});
  s.Route("/b", {FakeStep::Reply("b")});
  Harness h(s, TwoInGroup("strategy = \"priority\"\nnum_retries = 0", "order = 2", "order = 1"));
  // b has order 1 here.
  for (int i = 0; i < 5; i++) CHECK(h.Complete("g")->route.deployment == "b");
  CHECK(h.Hits("/a") == 0);
}

TEST_CASE("rpm limit: a deployment takes at most rpm requests a minute, the rest go elsewhere") {
  FakeScript s;
  s.Route("/a", {FakeStep::Reply("a")});
  s.Route("/b", {FakeStep::Reply("b")});
  Harness h(s, TwoInGroup("strategy = \"priority\"", "order = 1\nrpm = 3", "order = 2"));
  for (int i = 0; i < 8; i++) REQUIRE(h.Complete("g").ok());
  CHECK(h.Hits("/a") == 3);
  CHECK(h.Hits("/b") == 5);
}

TEST_CASE("rpm exhausted everywhere with no fallback: 429 with Retry-After, no upstream call") {
  FakeScript s;
  s.Route("/a", {FakeStep::Reply("a")});
  s.Route("/b", {FakeStep::Reply("b")});
  Harness h(s, TwoInGroup("", "rpm = 1", "rpm = 1"));
  REQUIRE(h.Complete("g").ok());
  REQUIRE(h.Complete("g").ok());
  auto r = h.Complete("g");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().status == 429);
  REQUIRE(r.error().retry_after_s);
  CHECK(*r.error().retry_after_s >= 1);
  CHECK(*r.error().retry_after_s <= 60);
  CHECK(r.error().attempts.empty());
  CHECK(h.Hits("/a") + h.Hits("/b") == 2);
}

}  // namespace
}  // namespace detour::router_test

namespace detour::router_test {
namespace {

TEST_CASE("tpm limit: once a deployment's tokens this minute reach tpm, traffic goes elsewhere") {
  FakeScript s;
  FakeStep big = FakeStep::Reply("a");
  big.usage = Json{{"prompt_tokens", 400}, {"completion_tokens", 100}};
  s.Route("/a", {big});
  s.Route("/b", {FakeStep::Reply("b")});
  // 500 tokens per answer: a reaches its 1000-token minute after two requests.
  Harness h(s, TwoInGroup("strategy = \"priority\"", "order = 1\ntpm = 1000", "order = 2"));
  for (int i = 0; i < 5; i++) REQUIRE(h.Complete("g").ok());
  CHECK(h.Hits("/a") == 2);
  CHECK(h.Hits("/b") == 3);
}

}  // namespace
}  // namespace detour::router_test

namespace detour::router_test {
namespace {

TEST_CASE("background probe: a cooling deployment that heals takes traffic again before its cooldown ends") {
  FakeScript s;
  s.Route("/a", {Error(401, R"({"error":{"message":"key revoked"}})"), FakeStep::Reply("healed")});
  s.Route("/b", {FakeStep::Reply("backup")});
  Harness h(s, PrimaryBackup("num_retries = 0\ncooldown = \"60s\"\nprobe_interval = \"200ms\""));
  CHECK(h.Complete("primary")->route.deployment == "b");  // a: 401, cools for 60 s
  REQUIRE(h.Cooling("a"));
  Prober prober(*h.router);
  prober.Start();
  REQUIRE(WaitUntil([&] { return !h.Cooling("a"); }, Millis(5000)));
  prober.Stop();
  auto probes = h.fake.Requests();
  REQUIRE(probes.size() >= 3);
  CHECK(probes[2].route == "/a");
  CHECK(probes[2].BodyJson()["max_tokens"] == 1);
  CHECK(h.Complete("primary")->route.deployment == "a");
}

TEST_CASE("background probe: nothing is probed with health_probe = false or when no request wants it") {
  // Virtual time: the walk's and the prober's decisions read the FakeClock; only the HTTP
  // exchanges are real.
  FakeClock clock;
  FakeScript s;
  s.Route("/a", {Error(401, R"({"error":{"message":"revoked"}})"), FakeStep::Reply("a")});
  s.Route("/b", {Error(401, R"({"error":{"message":"revoked"}})"), FakeStep::Reply("b")});
  Harness h(s, TwoInGroup("probe_interval = \"10s\"\ncooldown = \"5m\"\nnum_retries = 0",
                          "health_probe = false", ""), clock);
  REQUIRE_FALSE(h.Complete("a").ok());  // pinned by id; 401: cools for 5 minutes
  REQUIRE_FALSE(h.Complete("b").ok());
  REQUIRE(h.Cooling("a"));
  REQUIRE(h.Cooling("b"));
  Prober prober(*h.router, clock);
  CHECK(prober.RunOnce() == 1);  // b only: a has health_probe = false
  CHECK(h.Hits("/a") == 1);
  CHECK(h.Hits("/b") == 2);
  CHECK_FALSE(h.Cooling("b"));
  CHECK(h.Cooling("a"));

  // Idle: a group nobody asked for in 2 x probe_interval (at least a minute) is not probed.
  clock.Advance(std::chrono::seconds(61));
  CHECK(prober.RunOnce() == 0);
  CHECK(h.Hits("/a") == 1);
}

TEST_CASE("background probe: stops once the groups go idle, resumes when a request wants the group") {
  FakeClock clock;
  FakeScript s;
  s.Route("/a", {Error(500, R"({"error":{"message":"down"}})")});
  s.Route("/b", {FakeStep::Reply("backup")});
  Harness h(s, PrimaryBackup("num_retries = 0\nallowed_fails = 0\ncooldown = \"30m\"\nprobe_interval = \"10s\""),
            clock);
  REQUIRE(h.Complete("primary")->route.deployment == "b");  // a cools for 30 minutes
  Prober prober(*h.router, clock);
  int probes = 0;
  // Probed every 10 s while wanted: 2 x 10 s is under a minute, so a minute is the bound.
  for (int t = 0; t <= 120; t += 5) {
    probes += prober.RunOnce();
    clock.Advance(std::chrono::seconds(5));
  }
  CHECK(probes == 7);  // at 0, 10, ..., 60 s after the request
  CHECK(h.Hits("/a") == 1 + 7);
  // A new request wants the group again: probes resume.
  REQUIRE(h.Complete("primary")->route.deployment == "b");
  CHECK(prober.RunOnce() == 1);
}

TEST_CASE("background probe: never before the provider's Retry-After ends") {
  FakeClock clock;
  FakeScript s;
  s.Route("/a", {Error(429, R"({"error":{"message":"slow down"}})", {{"retry-after", "30"}}),
                 FakeStep::Reply("healed")});
  s.Route("/b", {FakeStep::Reply("backup")});
  Harness h(s, PrimaryBackup("num_retries = 0\nprobe_interval = \"1s\"\nmax_retry_after = \"5s\""), clock);
  REQUIRE(h.Complete("primary")->route.deployment == "b");  // a: 429, Retry-After 30 s
  Prober prober(*h.router, clock);
  for (int t = 0; t < 30; ++t) {
    CHECK(prober.RunOnce() == 0);
    clock.Advance(std::chrono::seconds(1));
  }
  CHECK(h.Hits("/a") == 1);
  // 30 s: the wait the provider asked for is over and so is the cooldown; the next
  // request may use it (half-open) and it answers.
  CHECK_FALSE(h.Cooling("a"));
  CHECK(prober.RunOnce() == 0);
  CHECK(h.Complete("primary")->route.deployment == "a");
  CHECK(h.Hits("/a") == 2);
}

}  // namespace
}  // namespace detour::router_test
