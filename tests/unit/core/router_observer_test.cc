// The request observer (core/request_observer.h): every attempt as it ends and every
// request exactly once, streamed or not, failed or not, with what it cost and how long.
#include "router_harness.h"

namespace detour::router_test {
namespace {

struct Recorder final : RequestObserver {
  std::mutex mu;
  std::vector<AttemptRecord> attempts;
  std::vector<RequestReport> reports;
  void OnAttempt(const AttemptRecord& a) override {
    std::lock_guard<std::mutex> lock(mu);
    attempts.push_back(a);
  }
  void OnRequestEnd(const RequestReport& r) override {
    std::lock_guard<std::mutex> lock(mu);
    reports.push_back(r);
  }
};

FakeStep Down() { return Error(503, R"({"error":{"message":"down"}})"); }

TEST_CASE("observer: a non-stream failover is one report with every attempt, usage and cost") {
  FakeScript s;
  s.Route("/a", {Down()});
  FakeStep ok = FakeStep::Reply("backup");
  ok.usage = Json{{"prompt_tokens", 1000}, {"completion_tokens", 500}};
  s.Route("/b", {ok});
  Harness h(s, PrimaryBackup("num_retries = 0", "price = { input = 2.0, output = 10.0 }"));
  Recorder rec;
  h.router->AddObserver(&rec);
  REQUIRE(h.Complete("primary").ok());
  REQUIRE(rec.reports.size() == 1);
  const RequestReport& r = rec.reports[0];
  CHECK(r.ok);
  CHECK(r.status == 200);
  CHECK_FALSE(r.stream);
  CHECK(r.requested == "primary");
  CHECK(r.deployment == "b");
  CHECK(r.group == "backup");
  REQUIRE(r.attempts.size() == 2);
  CHECK(r.attempts[0].kind == ErrorKind::kServerError);
  CHECK(r.attempts[0].falls_back);
  CHECK(r.usage.prompt_tokens == 1000);
  CHECK(r.usage.completion_tokens == 500);
  CHECK(r.cost_usd == doctest::Approx((1000 * 2.0 + 500 * 10.0) / 1e6));
  CHECK_FALSE(r.first_token);
  // Attempts are reported as they end, before the request's report.
  REQUIRE(rec.attempts.size() == 2);
  CHECK(rec.attempts[0].deployment == "a");
  CHECK(rec.attempts[1].ok);
}

TEST_CASE("observer: a stream reports its time to first token and usage; a failed walk its status") {
  FakeScript s;
  s.Route("/a", {FakeStep::Stream({"Hel", "lo"})});
  s.Route("/b", {Down()});
  Harness h(s, PrimaryBackup("num_retries = 0"));
  Recorder rec;
  h.router->AddObserver(&rec);
  Collector out;
  ChatRequest req = Harness::Ask("primary");
  req.stream = true;
  REQUIRE(h.router->Stream(req, out, {}).ok());
  REQUIRE(h.Complete("backup").ok() == false);
  ChatRequest unknown = Harness::Ask("nope");
  REQUIRE_FALSE(h.router->Complete(unknown).ok());

  REQUIRE(rec.reports.size() == 3);
  const RequestReport& stream = rec.reports[0];
  CHECK(stream.stream);
  CHECK(stream.ok);
  REQUIRE(stream.first_token);
  CHECK(*stream.first_token <= stream.total);
  CHECK(stream.usage.total() > 0);
  CHECK(stream.replay.tried == 0);
  const RequestReport& failed = rec.reports[1];
  CHECK_FALSE(failed.ok);
  CHECK(failed.status == 502);
  REQUIRE(failed.error);
  CHECK(failed.error->kind == ErrorKind::kServerError);
  CHECK(rec.reports[2].status == 404);
  CHECK(rec.reports[2].attempts.empty());
}

TEST_CASE("observer: stream repair is reported with its outcome, held or not") {
  for (bool holds : {true, false}) {
    FakeScript s;
    FakeStep cut = FakeStep::Stream({"Hel", "lo", " wor", "ld"});
    cut.mode = FakeMode::kCut;
    cut.cut_after = 3;  // role, "Hel", "lo"
    s.Route("/a", {cut});
    s.Route("/b", {FakeStep::Stream(holds ? std::vector<std::string>{"Hello", " world"}
                                          : std::vector<std::string>{"Goodbye"})});
    Harness h(s, PrimaryBackup("num_retries = 1"));
    Recorder rec;
    h.router->AddObserver(&rec);
    Collector out;
    ChatRequest req = Harness::Ask("primary");
    req.stream = true;
    CHECK(h.router->Stream(req, out, {}).ok() == holds);
    REQUIRE(rec.reports.size() == 1);
    const RequestReport& r = rec.reports[0];
    CHECK(r.replay.tried == 1);
    CHECK(r.replay.held == holds);
    CHECK(r.status == 200);  // committed: the client had a 200 either way
    CHECK(r.committed_failure == !holds);
    CHECK(r.first_token);
  }
}

}  // namespace
}  // namespace detour::router_test
