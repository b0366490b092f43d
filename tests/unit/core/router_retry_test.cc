// Retry and fallback by error kind (SPEC 3.1, 3.2), asserted at the upstream: hit counts
// per deployment and the time between attempts.
#include "router_harness.h"

namespace detour::router_test {
namespace {

std::string Config(const std::string& router_extra = "") {
  return PrimaryBackup("num_retries = 2\ntimeout = \"3s\"\n" + router_extra);
}

TEST_CASE("429 with Retry-After 2 s: retried after at least 2 s on the same group, once") {
  FakeScript s;
  s.Route("/a", {Error(429, R"({"error":{"message":"Rate limit reached","type":"requests"}})", {{"retry-after", "2"}}),
                 FakeStep::Reply("after the wait")});
  s.Route("/b", {FakeStep::Reply("backup")});
  Harness h(s, Config());
  auto r = h.Complete("primary");
  REQUIRE(r.ok());
  CHECK(r->route.deployment == "a");
  CHECK(h.Hits("/a") == 2);
  CHECK(h.Hits("/b") == 0);
  CHECK(h.Gap(0, 1) >= 1990);
  CHECK(h.Gap(0, 1) < 3500);
  REQUIRE(r->route.attempts.size() == 2);
  CHECK(r->route.attempts[0].kind == ErrorKind::kRateLimit);
  CHECK(r->route.attempts[0].retry_in == Millis(2000));
}

TEST_CASE("429 with a Retry-After longer than max_retry_after moves on at once") {
  FakeScript s;
  s.Route("/a", {Error(429, R"({"error":{"message":"slow down"}})", {{"retry-after", "30"}})});
  s.Route("/b", {FakeStep::Reply("backup")});
  Harness h(s, Config("max_retry_after = \"5s\""));
  auto t0 = SteadyClock::now();
  auto r = h.Complete("primary");
  REQUIRE(r.ok());
  CHECK(r->route.deployment == "b");
  CHECK(h.Hits("/a") == 1);
  CHECK(MillisSince(t0) < 1000);
}

TEST_CASE("429 without Retry-After, persistent: bounded attempts, never hammered, then fallback") {
  FakeScript s;
  s.Route("/a", {Error(429, R"({"error":{"message":"Rate limit reached"}})")});
  s.Route("/b", {FakeStep::Reply("backup")});
  Harness h(s, Config());
  auto r = h.Complete("primary");
  REQUIRE(r.ok());
  CHECK(r->route.deployment == "b");
  // The rate-limited deployment cools down at once (for `cooldown`, longer than
  // max_retry_after), so the group has nothing left and the walk falls back.
  CHECK(h.Hits("/a") == 1);
  CHECK(h.Hits("/b") == 1);
  CHECK(h.Cooling("a"));
  // The next request does not touch the cooling deployment.
  REQUIRE(h.Complete("primary").ok());
  CHECK(h.Hits("/a") == 1);
  CHECK(h.Hits("/b") == 2);
}

TEST_CASE("all attempts rate-limited: 429 with the smallest Retry-After told") {
  FakeScript s;
  s.Route("/a", {Error(429, R"({"error":{"message":"a"}})", {{"retry-after", "40"}})});
  s.Route("/b", {Error(429, R"({"error":{"message":"b"}})", {{"retry-after", "25"}})});
  Harness h(s, Config());
  auto r = h.Complete("primary");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().status == 429);
  CHECK(r.error().retry_after_s == 25);
  CHECK(r.error().attempts.size() == 2);
}

TEST_CASE("500 once: the retry on the same group succeeds") {
  FakeScript s;
  s.Route("/a", {Error(500, R"({"error":{"message":"internal"}})"), FakeStep::Reply("second time")});
  s.Route("/b", {FakeStep::Reply("backup")});
  Harness h(s, Config());
  auto r = h.Complete("primary");
  REQUIRE(r.ok());
  CHECK(r->route.deployment == "a");
  CHECK(ResponseJson(r->response)["choices"][0]["message"]["content"] == "second time");
  CHECK(h.Hits("/a") == 2);
  CHECK(h.Hits("/b") == 0);
}

TEST_CASE("503 persistent: num_retries retries, then the fallback answers") {
  // allowed_fails = 3 (default): three failures leave the deployment usable.
  FakeScript s;
  s.Route("/a", {Error(503, R"({"error":{"message":"unavailable"}})")});
  s.Route("/b", {FakeStep::Reply("backup")});
  Harness h(s, Config());
  auto r = h.Complete("primary");
  REQUIRE(r.ok());
  CHECK(r->route.deployment == "b");
  CHECK(h.Hits("/a") == 3);  // 1 + num_retries
  CHECK(h.Hits("/b") == 1);
  CHECK(r->route.attempts.size() == 4);
}

TEST_CASE("retry_policy per kind overrides num_retries; a request's num_retries narrows it") {
  FakeScript s;
  s.Route("/a", {Error(503, R"({"error":{"message":"unavailable"}})")});
  s.Route("/b", {FakeStep::Reply("backup")});
  Harness h(s, Config("allowed_fails = 10\n[router.retry_policy]\nserver_error = 4\n"));
  REQUIRE(h.Complete("primary").ok());
  CHECK(h.Hits("/a") == 5);
  ChatRequest req = Harness::Ask("primary");
  req.overrides.num_retries = 0;
  h.fake.SetScript(s);
  REQUIRE(h.router->Complete(req).ok());
  CHECK(h.Hits("/a") == 1);
}

TEST_CASE("connection reset before headers: not re-sent while the chain has more, fallback answers") {
  FakeScript s;
  s.Route("/a", {FakeStep::Mode(FakeMode::kReset)});
  s.Route("/b", {FakeStep::Reply("backup")});
  Harness h(s, Config());
  auto r = h.Complete("primary");
  REQUIRE(r.ok());
  CHECK(r->route.deployment == "b");
  CHECK(h.Hits("/a") == 1);
  CHECK(r->route.attempts[0].kind == ErrorKind::kConnection);
}

TEST_CASE("a deployment alone in its chain that reset is retried within its budget") {
  FakeScript s;
  s.Route("/a", {FakeStep::Mode(FakeMode::kReset), FakeStep::Reply("second try")});
  Harness h(s, R"(
[router]
num_retries = 2
backoff = { base = "10ms", max = "40ms" }
[[deployments]]
id = "a"
model_name = "solo"
provider = "openai-compatible"
model = "m"
api_base = "{BASE}/a/v1"
)");
  auto r = h.Complete("solo");
  REQUIRE(r.ok());
  CHECK(h.Hits("/a") == 2);
}

TEST_CASE("bad_request: one attempt, no fallback, the provider's error returned unchanged") {
  const char* body = R"({"error":{"message":"Invalid 'tools[0]'","type":"invalid_request_error","param":"tools","code":null}})";
  FakeScript s;
  s.Route("/a", {Error(400, body)});
  s.Route("/b", {FakeStep::Reply("backup")});
  Harness h(s, Config());
  auto r = h.Complete("primary");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().status == 400);
  CHECK(r.error().error.kind == ErrorKind::kBadRequest);
  CHECK(r.error().error.upstream_body == body);
  CHECK(h.Hits("/a") == 1);
  CHECK(h.Hits("/b") == 0);
  CHECK_FALSE(h.Cooling("a"));
}

TEST_CASE("a request's own fallbacks replace the group's") {
  FakeScript s;
  s.Route("/a", {Error(503, R"({"error":{"message":"down"}})")});
  s.Route("/b", {FakeStep::Reply("backup")});
  s.Route("/c", {FakeStep::Reply("other")});
  Harness h(s, PrimaryBackup("num_retries = 2", R"(
[[deployments]]
id = "c"
model_name = "other"
provider = "openai-compatible"
model = "m-c"
api_base = "{BASE}/c/v1"
)"));
  ChatRequest req = Harness::Ask("primary");
  req.overrides.fallbacks = std::vector<std::string>{"other"};
  req.overrides.num_retries = 0;
  auto r = h.router->Complete(req);
  REQUIRE(r.ok());
  CHECK(r->route.deployment == "c");
  CHECK(h.Hits("/b") == 0);
}

TEST_CASE("every group is tried once per request even when fallbacks loop back") {
  FakeScript s;
  s.Route("/a", {Error(503, R"({"error":{"message":"down"}})")});
  s.Route("/b", {Error(503, R"({"error":{"message":"down"}})")});
  Harness h(s, Replace(Config(), "num_retries = 2", "num_retries = 0"));
  ChatRequest req = Harness::Ask("primary");
  req.overrides.fallbacks = std::vector<std::string>{"backup", "primary", "backup"};
  auto r = h.router->Complete(req);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().status == 502);
  CHECK(h.Hits("/a") == 1);
  CHECK(h.Hits("/b") == 1);
}

}  // namespace
}  // namespace detour::router_test
