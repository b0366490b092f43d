// Deadlines that really fire (SPEC 3.2 step 4, 3.5): a silent upstream, a trickling one,
// a slow first token, and the whole-request budget, asserted with generous bounds.
#include "router_harness.h"

namespace detour::router_test {
namespace {

const std::string kConfig = PrimaryBackup(R"(num_retries = 1
timeout = "600ms"
first_token_timeout = "500ms"
stream_idle_timeout = "400ms"
request_timeout = "20s"
)");

TEST_CASE("silent upstream: cut at the attempt timeout, not re-sent, then the fallback answers") {
  FakeScript s;
  s.Route("/a", {Silent()});
  s.Route("/b", {FakeStep::Reply("backup")});
  Harness h(s, kConfig);
  auto t0 = SteadyClock::now();
  auto r = h.Complete("primary");
  REQUIRE(r.ok());
  CHECK(r->route.deployment == "b");
  CHECK(h.Hits("/a") == 1);
  REQUIRE(r->route.attempts.size() == 2);
  CHECK(r->route.attempts[0].kind == ErrorKind::kTimeout);
  CHECK(r->route.attempts[0].elapsed >= Millis(580));
  CHECK(r->route.attempts[0].elapsed < Millis(1500));
  CHECK(MillisSince(t0) < 2000);
  CHECK(h.Gap(0, 1) >= 580);
}

TEST_CASE("trickling upstream (a byte every 100 ms): cut at the deadline") {
  FakeScript s;
  FakeStep trickle = FakeStep::Reply("a long answer that trickles in forever and ever");
  trickle.mode = FakeMode::kTrickle;
  trickle.trickle_interval_ms = 100;
  s.Route("/a", {trickle});
  s.Route("/b", {FakeStep::Reply("backup")});
  Harness h(s, kConfig);
  auto r = h.Complete("primary");
  REQUIRE(r.ok());
  CHECK(r->route.deployment == "b");
  CHECK(r->route.attempts[0].kind == ErrorKind::kTimeout);
  CHECK(r->route.attempts[0].elapsed >= Millis(580));
  CHECK(r->route.attempts[0].elapsed < Millis(1500));
}

TEST_CASE("slow first token: first_token_timeout fails over before anything is committed") {
  FakeScript s;
  FakeStep slow = FakeStep::Stream({"too", " late"});
  slow.first_chunk_delay_ms = 3000;
  s.Route("/a", {slow});
  s.Route("/b", {FakeStep::Stream({"on", " time"})});
  Harness h(s, kConfig);
  ChatRequest req = Harness::Ask("primary");
  req.stream = true;
  Collector out;
  auto t0 = SteadyClock::now();
  auto r = h.router->Stream(req, out, {});
  REQUIRE(r.ok());
  CHECK(r->route.deployment == "b");
  CHECK(out.text == "on time");
  CHECK(out.commits == 1);
  CHECK(out.role_chunks == 1);  // the failed attempt's role chunk never leaked
  CHECK(out.committed_route.deployment == "b");
  CHECK(r->route.attempts[0].kind == ErrorKind::kTimeout);
  CHECK(r->route.attempts[0].elapsed >= Millis(480));
  CHECK(MillisSince(t0) < 2500);
  CHECK(h.Hits("/a") == 1);
}

TEST_CASE("stream_resume = off: a stall after commit ends the stream with a committed failure, no fallback") {
  FakeScript s;
  FakeStep stall = FakeStep::Stream({"par", "tial", " never"});
  stall.chunk_interval_ms = 2000;
  stall.first_chunk_delay_ms = 0;
  s.Route("/a", {stall});
  s.Route("/b", {FakeStep::Stream({"backup"})});
  std::string cfg = Replace(kConfig, "first_token_timeout = \"500ms\"",
                            "first_token_timeout = \"5s\"\nstream_resume = \"off\"");
  Harness h(s, cfg + "\n");
  ChatRequest req = Harness::Ask("primary");
  req.stream = true;
  Collector out;
  auto r = h.router->Stream(req, out, {});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().committed);
  CHECK(r.error().error.kind == ErrorKind::kTimeout);
  CHECK(out.text == "par");
  CHECK(h.Hits("/b") == 0);
}

TEST_CASE("request_timeout bounds the whole walk, across fallbacks") {
  FakeScript s;
  s.Route("/a", {Silent()});
  s.Route("/b", {Silent()});
  std::string cfg = Replace(kConfig, "request_timeout = \"20s\"", "request_timeout = \"900ms\"");
  Harness h(s, cfg);
  auto t0 = SteadyClock::now();
  auto r = h.Complete("primary");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().status == 504);
  CHECK(MillisSince(t0) >= 850);
  CHECK(MillisSince(t0) < 1800);  // not 2 x 600 ms attempts + retries
}

TEST_CASE("a request's timeout narrows request_timeout") {
  FakeScript s;
  s.Route("/a", {Silent()});
  s.Route("/b", {Silent()});
  Harness h(s, kConfig);
  ChatRequest req = Harness::Ask("primary");
  req.overrides.timeout = Millis(300);
  auto t0 = SteadyClock::now();
  auto r = h.router->Complete(req);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().status == 504);
  CHECK(MillisSince(t0) < 1200);
  CHECK(h.Hits("/b") == 0);
}

TEST_CASE("cancel (the caller went away) stops the walk promptly without retries") {
  FakeScript s;
  s.Route("/a", {Silent()});
  s.Route("/b", {FakeStep::Reply("backup")});
  Harness h(s, Replace(kConfig, "timeout = \"600ms\"", "timeout = \"10s\""));
  CancelFlag cancel{false};
  std::thread canceller([&] {
    h.fake.WaitForHits("/a", 1, std::chrono::seconds(5));
    cancel.store(true);
  });
  RouteOptions opts;
  opts.cancel = &cancel;
  auto t0 = SteadyClock::now();
  auto r = h.router->Complete(Harness::Ask("primary"), opts);
  canceller.join();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().error.kind == ErrorKind::kCanceled);
  CHECK(MillisSince(t0) < 2000);
  CHECK(h.Hits("/b") == 0);
}

}  // namespace
}  // namespace detour::router_test
