// HttpClient used from fibers (as `serve` uses it): the same exchanges, deadlines and
// cancellation, with waits that park the fiber on its scheduler's epoll, plain and TLS,
// many at once, and pooled connections that the upstream closed while idle.
#include <doctest/doctest.h>

#include <future>
#include <thread>

#include "net/http_client.h"
#include "support/fake_upstream.h"
#include "support/tls_test_server.h"
#include "unit/net/net_test_util.h"
#include "unit/net/stalled_peers.h"
#include "util/fiber.h"

using namespace nettest;
using detour::net::Deadline;
using detour::net::Failure;
using detour::testing::FakeMode;
using detour::testing::FakeScript;
using detour::testing::FakeStep;
using detour::testing::FakeUpstream;
using detour::testing::TlsStep;
using detour::testing::TlsTestServer;
namespace fiber = detour::fiber;

namespace {

// Runs fn on a fiber and waits (bounded) for it on this thread.
template <class Fn>
auto OnFiber(Fn fn) -> decltype(fn()) {
  auto done = std::make_shared<std::promise<decltype(fn())>>();
  auto result = done->get_future();
  fiber::Spawn([done, fn]() mutable { done->set_value(fn()); });
  REQUIRE(result.wait_for(20s) == std::future_status::ready);
  return result.get();
}

}  // namespace

TEST_CASE("fiber client: Send on a fiber returns the answer and reuses the connection") {
  FakeUpstream fake(FakeScript().Route("", {FakeStep::Reply("from a fiber")}));
  REQUIRE(fake.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  for (int i = 0; i < 3; ++i) {
    std::string content = OnFiber([&] {
      CHECK(fiber::InFiber());
      Deadline deadline(In(5s));
      auto res = client->Send(Post(fake.BaseUrl() + "/v1/chat/completions", &deadline));
      REQUIRE(res.ok());
      return detour::Json::parse(res->body)["choices"][0]["message"]["content"].get<std::string>();
    });
    CHECK(content == "from a fiber");
  }
  CHECK(fake.Hits("") == 3);
  // Fibers spread over schedulers, and each scheduler keeps its own connections.
  CHECK(fake.ConnectionsAccepted() <= static_cast<int>(fiber::SchedulerCount()));
}

TEST_CASE("fiber client: 200 concurrent exchanges on fibers all complete") {
  FakeStep slow = FakeStep::Reply("ok");
  slow.delay_ms = 100;  // overlapping: 200 x 100 ms in sequence would take 20 s
  FakeUpstream fake(FakeScript().Route("", {slow}));
  REQUIRE(fake.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  std::atomic<int> ok{0}, finished{0};
  auto start = SteadyClock::now();
  for (int i = 0; i < 200; ++i) {
    fiber::SpawnBalanced([&] {
      Deadline deadline(In(10s));
      auto res = client->Send(Post(fake.BaseUrl() + "/v1", &deadline));
      if (res.ok() && res->status == 200) ok++;
      finished++;
    });
  }
  for (int i = 0; i < 1000 && finished.load() < 200; ++i) std::this_thread::sleep_for(10ms);
  CHECK(finished.load() == 200);
  CHECK(ok.load() == 200);
  CHECK(MsSince(start) < 8000);
}

TEST_CASE("fiber client: a silent upstream is cut at the deadline on a fiber") {
  FakeUpstream fake(FakeScript().Route("", {FakeStep::Mode(FakeMode::kSilent)}));
  REQUIRE(fake.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  auto [what, ms] = OnFiber([&] {
    Deadline deadline(In(300ms));
    auto start = SteadyClock::now();
    auto res = client->Send(Post(fake.BaseUrl() + "/v1", &deadline));
    return std::make_pair(res.ok() ? Failure::kOther : res.error().what, MsSince(start));
  });
  CHECK(what == Failure::kTimeout);
  CHECK(ms >= 290);
  CHECK(ms < 1500);
}

TEST_CASE("fiber client: a trickling stream is cut at the deadline on a fiber") {
  FakeStep step = FakeStep::Stream({"never", "ends"});
  step.mode = FakeMode::kTrickle;
  step.trickle_interval_ms = 50;
  FakeUpstream fake(FakeScript().Route("", {step}));
  REQUIRE(fake.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  auto [what, ms] = OnFiber([&] {
    Deadline deadline(In(400ms));
    Recorder rec;
    auto start = SteadyClock::now();
    auto res = client->Stream(Post(fake.BaseUrl() + "/v1", &deadline), rec);
    return std::make_pair(res.ok() ? Failure::kOther : res.error().what, MsSince(start));
  });
  CHECK(what == Failure::kTimeout);
  CHECK(ms >= 390);
  CHECK(ms < 1500);
}

TEST_CASE("fiber client: the cancel flag set from another thread stops a parked exchange") {
  FakeUpstream fake(FakeScript().Route("", {FakeStep::Mode(FakeMode::kSilent)}));
  REQUIRE(fake.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  detour::CancelFlag cancel{false};
  std::thread canceler([&] {
    if (fake.WaitForHits("", 1, 5s)) cancel = true;
  });
  auto [what, ms] = OnFiber([&] {
    Deadline deadline(In(30s));
    auto req = Post(fake.BaseUrl() + "/v1", &deadline);
    req.cancel = &cancel;
    auto start = SteadyClock::now();
    auto res = client->Send(req);
    return std::make_pair(res.ok() ? Failure::kOther : res.error().what, MsSince(start));
  });
  canceler.join();
  CHECK(what == Failure::kCanceled);
  CHECK(ms < 1500);
}

TEST_CASE("fiber client: the cancel flag ends a send the upstream stopped reading, as a cancel") {
  StallingUpstream upstream;
  auto client = detour::net::MakeHttpClient();
  detour::CancelFlag cancel{false};
  bool stalled = false;
  std::thread canceler([&] {
    stalled = upstream.WaitStalled(10s);
    cancel = true;
  });
  auto [what, ms] = OnFiber([&] {
    Deadline deadline(In(30s));
    auto req = Post(upstream.Url(), &deadline, std::string(8 << 20, 'x'));
    req.cancel = &cancel;
    auto start = SteadyClock::now();
    auto res = client->Send(req);
    return std::make_pair(res.ok() ? Failure::kOther : res.error().what, MsSince(start));
  });
  canceler.join();
  REQUIRE(stalled);
  CHECK(what == Failure::kCanceled);
  CHECK(ms < 10000);
}

TEST_CASE("fiber client: a pooled connection the upstream closed is not used; one hit each") {
  FakeUpstream fake(FakeScript().Route("", {FakeStep::Reply("a")}));
  int port = fake.Start();
  REQUIRE(port > 0);
  auto client = detour::net::MakeHttpClient();
  auto send = [&] {
    Deadline deadline(In(5s));
    auto res = client->Send(Post("http://127.0.0.1:" + std::to_string(port) + "/v1", &deadline));
    return res.ok() ? res->status : -1;
  };
  CHECK(OnFiber(send) == 200);
  // A new upstream on the same port: every pooled connection to the old one is dead.
  fake.Stop();
  FakeUpstream again(FakeScript().Route("", {FakeStep::Reply("b")}));
  REQUIRE(again.Start(port) == port);
  for (int i = 0; i < 4; ++i) CHECK(OnFiber(send) == 200);
  CHECK(again.Hits("") == 4);
}

TEST_CASE("fiber client: TLS on a fiber: exchange, keep-alive and a silent handshake cut") {
  TlsTestServer server({TlsStep::Reply(200, R"({"tls":true})")});
  REQUIRE(server.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  auto send = [&](int deadline_ms) {
    Deadline deadline(In(std::chrono::milliseconds(deadline_ms)));
    auto req = Post(server.BaseUrl() + "/v1/chat/completions", &deadline);
    req.tls_verify = false;
    auto res = client->Send(req);
    return res.ok() ? res->body : "error " + std::to_string(static_cast<int>(res.error().what));
  };
  // Same fiber for both calls: the second reuses the scheduler's TLS connection.
  auto bodies = OnFiber([&] { return std::make_pair(send(5000), send(5000)); });
  CHECK(bodies.first == R"({"tls":true})");
  CHECK(bodies.second == R"({"tls":true})");
  CHECK(server.ConnectionsAccepted() == 1);
  CHECK(server.RequestsRead() == 2);

  TlsTestServer mute({TlsStep::SilentHandshake()});
  REQUIRE(mute.Start() > 0);
  auto [what, ms] = OnFiber([&] {
    Deadline deadline(In(300ms));
    auto req = Post(mute.BaseUrl() + "/v1", &deadline);
    req.tls_verify = false;
    auto start = SteadyClock::now();
    auto res = client->Send(req);
    return std::make_pair(res.ok() ? Failure::kOther : res.error().what, MsSince(start));
  });
  CHECK(what == Failure::kTimeout);
  CHECK(ms >= 290);
  CHECK(ms < 1500);
}

TEST_CASE("fiber client: a host name is resolved off the scheduler thread and connects") {
  FakeUpstream fake(FakeScript().Route("", {FakeStep::Reply("by name")}));
  int port = fake.Start();
  REQUIRE(port > 0);
  auto client = detour::net::MakeHttpClient();
  int status = OnFiber([&] {
    Deadline deadline(In(5s));
    auto res = client->Send(Post("http://localhost:" + std::to_string(port) + "/v1", &deadline));
    return res.ok() ? res->status : -1;
  });
  CHECK(status == 200);
  CHECK(fake.Hits("") == 1);
}
