// The rate-limit retry budget (SPEC 3.1, 3.2 step 2) asserted at the upstream: hit counts
// per deployment and the real time between attempts.
#include "router_harness.h"

namespace detour::router_test {
namespace {

FakeStep RateLimited(const std::string& retry_after) {
  return Error(429, R"({"error":{"message":"Rate limit reached","type":"requests"}})",
               {{"retry-after", retry_after}});
}

TEST_CASE("429 + Retry-After 1 on every request: 1 + rate_limit retries at the primary, >= 1 s apart, then fallback") {
  FakeScript s;
  s.Route("/a", {RateLimited("1")});
  s.Route("/b", {FakeStep::Reply("backup")});
  Harness h(s, PrimaryBackup("num_retries = 2\n[router.retry_policy]\nrate_limit = 2\n"));
  auto r = h.Complete("primary");
  REQUIRE(r.ok());
  CHECK(r->route.deployment == "b");
  CHECK(h.Hits("/a") == 3);
  CHECK(h.Hits("/b") == 1);
  CHECK(h.Gap(0, 1) >= 990);
  CHECK(h.Gap(1, 2) >= 990);
  CHECK(h.Gap(2, 3) < 900);  // the fallback goes at once: nothing left to wait for
  REQUIRE(r->route.attempts.size() == 4);
  CHECK(r->route.attempts[0].retry_in == Millis(1000));
  CHECK(r->route.attempts[1].retry_in == Millis(1000));
  CHECK(r->route.attempts[2].falls_back);
}

TEST_CASE("two rate-limited deployments in a group: the budget counts across the group, retries alternate") {
  FakeScript s;
  s.Route("/a", {RateLimited("1")});
  s.Route("/a2", {RateLimited("1")});
  s.Route("/b", {FakeStep::Reply("backup")});
  Harness h(s, PrimaryBackup("num_retries = 5\n[router.retry_policy]\nrate_limit = 2\n", R"(
[[deployments]]
id = "a2"
model_name = "primary"
provider = "openai-compatible"
model = "m-a2"
api_base = "{BASE}/a2/v1"
)"), SystemClock(), 3);
  auto r = h.Complete("primary");
  REQUIRE(r.ok());
  CHECK(r->route.deployment == "b");
  auto reqs = h.fake.Requests();
  REQUIRE(reqs.size() == 4);
  // 1 + 2 retries in the group, whatever deployment each went to...
  CHECK(h.Hits("/a") + h.Hits("/a2") == 3);
  // ...and the first retry went to the other deployment, without waiting out the
  // first one's Retry-After (it only binds the deployment that sent it).
  CHECK(reqs[0].route != reqs[1].route);
  CHECK(h.Gap(0, 1) < 900);
  CHECK(reqs[3].route == "/b");
}

TEST_CASE("a Retry-After sleep that would end past request_timeout is not started") {
  FakeScript s;
  s.Route("/a", {RateLimited("2")});
  s.Route("/b", {FakeStep::Reply("backup")});
  Harness h(s, PrimaryBackup("num_retries = 2\nrequest_timeout = \"1500ms\"\n"));
  auto t0 = SteadyClock::now();
  auto r = h.Complete("primary");
  REQUIRE(r.ok());
  CHECK(r->route.deployment == "b");
  CHECK(h.Hits("/a") == 1);
  CHECK(MillisSince(t0) < 1000);
}

}  // namespace
}  // namespace detour::router_test
