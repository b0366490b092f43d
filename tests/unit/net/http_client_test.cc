// HttpClient against the fake upstream on loopback: exchanges, pooling, error mapping.
#include <doctest/doctest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <thread>

#include "net/http_client.h"
#include "support/fake_upstream.h"
#include "unit/net/net_test_util.h"
#include "unit/net/stalled_peers.h"

using namespace nettest;
using detour::net::Deadline;
using detour::net::Failure;
using detour::testing::FakeMode;
using detour::testing::FakeScript;
using detour::testing::FakeStep;
using detour::testing::FakeUpstream;

TEST_CASE("client: Send returns status, headers and the whole body") {
  FakeUpstream fake(FakeScript().Route("/v1/chat", {FakeStep::Reply("hi there")}));
  REQUIRE(fake.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  Deadline deadline(In(5s));
  auto req = Post(fake.BaseUrl() + "/v1/chat/completions?api-version=1", &deadline);
  req.headers.emplace_back("X-Test", "yes");
  auto res = client->Send(req);
  REQUIRE(res.ok());
  CHECK(res->status == 200);
  CHECK(res->Header("content-type") == "application/json");
  auto body = detour::Json::parse(res->body);
  CHECK(body["model"] == "gpt-test");
  CHECK(body["choices"][0]["message"]["content"] == "hi there");
  auto recorded = fake.Requests();
  REQUIRE(recorded.size() == 1);
  CHECK(recorded[0].method == "POST");
  CHECK(recorded[0].path == "/v1/chat/completions?api-version=1");
  CHECK(recorded[0].body == R"({"model":"gpt-test"})");
  CHECK(recorded[0].Header("x-test") == "yes");
  CHECK(recorded[0].Header("Content-Type") == "application/json");
}

TEST_CASE("client: any HTTP status is a Response") {
  FakeUpstream fake(FakeScript().Route("", {FakeStep::Status(429, R"({"error":"slow"})")}));
  REQUIRE(fake.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  Deadline deadline(In(5s));
  auto res = client->Send(Post(fake.BaseUrl() + "/x", &deadline));
  REQUIRE(res.ok());
  CHECK(res->status == 429);
  CHECK(res->body == R"({"error":"slow"})");
}

TEST_CASE("client: keep-alive reuses one connection across calls") {
  FakeUpstream fake(FakeScript().Route("", {FakeStep::Reply("ok")}));
  REQUIRE(fake.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  for (int i = 0; i < 5; ++i) {
    Deadline deadline(In(5s));
    auto res = client->Send(Post(fake.BaseUrl() + "/v1", &deadline));
    REQUIRE(res.ok());
    CHECK(res->status == 200);
  }
  CHECK(fake.Hits("") == 5);
  CHECK(fake.ConnectionsAccepted() == 1);
}

TEST_CASE("client: concurrent calls each use their own pooled connection") {
  FakeUpstream fake(FakeScript().Route("", {FakeStep::Reply("ok")}));
  REQUIRE(fake.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        Deadline deadline(In(5s));
        auto res = client->Send(Post(fake.BaseUrl() + "/v1", &deadline));
        if (res.ok() && res->status == 200) ok++;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok == 100);
  CHECK(fake.ConnectionsAccepted() <= 4);
}

TEST_CASE("client: max_idle_per_origin = 0 keeps no connection") {
  FakeUpstream fake(FakeScript().Route("", {FakeStep::Reply("ok")}));
  REQUIRE(fake.Start() > 0);
  auto client = detour::net::MakeHttpClient({.max_idle_per_origin = 0});
  for (int i = 0; i < 3; ++i) {
    Deadline deadline(In(5s));
    REQUIRE(client->Send(Post(fake.BaseUrl() + "/v1", &deadline)).ok());
  }
  CHECK(fake.ConnectionsAccepted() == 3);
}

TEST_CASE("client: Stream delivers headers, then SSE pieces as they arrive") {
  FakeStep step = FakeStep::Stream({"He", "llo"});
  step.chunk_interval_ms = 30;
  FakeUpstream fake(FakeScript().Route("", {step}));
  REQUIRE(fake.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  Deadline deadline(In(5s));
  Recorder rec;
  auto start = SteadyClock::now();
  long long first_piece_ms = -1;
  rec.on_data = [&] {
    if (first_piece_ms < 0) first_piece_ms = MsSince(start);
  };
  auto status = client->Stream(Post(fake.BaseUrl() + "/v1", &deadline), rec);
  auto total_ms = MsSince(start);
  REQUIRE(status.ok());
  CHECK(*status == 200);
  CHECK(rec.status == 200);
  bool saw_type = false;
  for (auto& [k, v] : rec.headers) saw_type |= (k == "Content-Type" && v == "text/event-stream");
  CHECK(saw_type);
  REQUIRE(rec.events.size() == 5);  // role, "He", "llo", finish, [DONE]
  CHECK(detour::Json::parse(rec.events[1])["choices"][0]["delta"]["content"] == "He");
  CHECK(detour::Json::parse(rec.events[2])["choices"][0]["delta"]["content"] == "llo");
  CHECK(rec.events[4] == "[DONE]");
  CHECK(rec.pieces.size() >= 5);         // one piece per event: nothing was buffered
  CHECK(first_piece_ms < total_ms - 60);  // the first arrived well before the end
}

TEST_CASE("client: connection refused is kConnect") {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);  // bound, never listening: connect is refused
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  int port = ntohs(addr.sin_port);
  auto client = detour::net::MakeHttpClient();
  Deadline deadline(In(5s));
  auto start = SteadyClock::now();
  auto res = client->Send(Post("http://127.0.0.1:" + std::to_string(port) + "/v1", &deadline));
  ::close(fd);
  REQUIRE_FALSE(res.ok());
  CHECK(res.error().what == Failure::kConnect);
  CHECK_FALSE(res.error().got_headers);
  CHECK(MsSince(start) < 1000);
}

TEST_CASE("client: reset before any byte is kReset; messages carry no secrets") {
  FakeUpstream fake(FakeScript().Route("", {FakeStep::Mode(FakeMode::kReset)}));
  REQUIRE(fake.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  Deadline deadline(In(5s));
  auto req = Post(fake.BaseUrl() + "/v1?key=sk-secret-query", &deadline, R"({"k":"sk-body"})");
  req.headers.emplace_back("Authorization", "Bearer sk-secret-header");
  auto res = client->Send(req);
  REQUIRE_FALSE(res.ok());
  CHECK(res.error().what == Failure::kReset);
  CHECK_FALSE(res.error().got_headers);
  CHECK(res.error().message.find("sk-") == std::string::npos);
  CHECK(res.error().message.find("127.0.0.1") != std::string::npos);
}

TEST_CASE("client: a silent upstream is cut at the deadline") {
  FakeUpstream fake(FakeScript().Route("", {FakeStep::Mode(FakeMode::kSilent)}));
  REQUIRE(fake.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  Deadline deadline(In(300ms));
  auto start = SteadyClock::now();
  auto res = client->Send(Post(fake.BaseUrl() + "/v1", &deadline));
  auto ms = MsSince(start);
  REQUIRE_FALSE(res.ok());
  CHECK(res.error().what == Failure::kTimeout);
  CHECK_FALSE(res.error().got_headers);
  CHECK(ms >= 290);
  CHECK(ms < 1500);
}

TEST_CASE("client: a silent stream after headers is cut at the deadline") {
  FakeStep step = FakeStep::Stream({"a", "b"});
  step.first_chunk_delay_ms = 60000;  // role chunk, then nothing
  FakeUpstream fake(FakeScript().Route("", {step}));
  REQUIRE(fake.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  Deadline deadline(In(300ms));
  Recorder rec;
  auto start = SteadyClock::now();
  auto res = client->Stream(Post(fake.BaseUrl() + "/v1", &deadline), rec);
  REQUIRE_FALSE(res.ok());
  CHECK(res.error().what == Failure::kTimeout);
  CHECK(res.error().got_headers);
  CHECK(rec.events.size() == 1);
  CHECK(MsSince(start) < 1500);
}

TEST_CASE("client: a trickling upstream is cut at the deadline") {
  FakeStep step = FakeStep::Stream({"never", "ends"});
  step.mode = FakeMode::kTrickle;
  step.trickle_interval_ms = 50;  // far below any per-recv timeout
  FakeUpstream fake(FakeScript().Route("", {step}));
  REQUIRE(fake.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  Deadline deadline(In(400ms));
  Recorder rec;
  auto start = SteadyClock::now();
  auto res = client->Stream(Post(fake.BaseUrl() + "/v1", &deadline), rec);
  auto ms = MsSince(start);
  REQUIRE_FALSE(res.ok());
  CHECK(res.error().what == Failure::kTimeout);
  CHECK(res.error().got_headers);
  CHECK(rec.pieces.size() >= 3);  // bytes did arrive before the cut
  CHECK(ms >= 390);
  CHECK(ms < 1500);
}

TEST_CASE("client: one byte a second is cut at the deadline too (Send)") {
  FakeStep step = FakeStep::Reply("slow");
  step.mode = FakeMode::kTrickle;
  FakeUpstream fake(FakeScript().Route("", {step}));
  REQUIRE(fake.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  Deadline deadline(In(1500ms));
  auto start = SteadyClock::now();
  auto res = client->Send(Post(fake.BaseUrl() + "/v1", &deadline));
  auto ms = MsSince(start);
  REQUIRE_FALSE(res.ok());
  CHECK(res.error().what == Failure::kTimeout);
  CHECK(res.error().got_headers);
  CHECK(ms >= 1490);
  CHECK(ms < 2500);
}

TEST_CASE("client: moving the deadline forward while streaming extends it") {
  FakeStep step = FakeStep::Stream({"1", "2", "3", "4", "5", "6", "7", "8"});
  step.chunk_interval_ms = 100;  // ~1 s in all, each gap well inside 300 ms
  FakeUpstream fake(FakeScript().Route("", {step}));
  REQUIRE(fake.Start() > 0);
  auto client = detour::net::MakeHttpClient();

  SUBCASE("idle deadline moved after every piece: completes") {
    Deadline deadline(In(300ms));
    Recorder rec;
    rec.on_data = [&] { deadline.Set(In(300ms)); };
    auto start = SteadyClock::now();
    auto res = client->Stream(Post(fake.BaseUrl() + "/v1", &deadline), rec);
    REQUIRE(res.ok());
    CHECK(rec.events.size() == 11);  // role, 8 pieces, finish, [DONE]
    CHECK(MsSince(start) >= 800);
  }
  SUBCASE("deadline left alone: cut") {
    Deadline deadline(In(300ms));
    Recorder rec;
    auto res = client->Stream(Post(fake.BaseUrl() + "/v1", &deadline), rec);
    REQUIRE_FALSE(res.ok());
    CHECK(res.error().what == Failure::kTimeout);
  }
}

// Sends `req` while another thread waits for `ready()` (the moment to cancel) and then
// sets the request's cancel flag: how the exchange ended, and how long it took.
struct Ended {
  bool ok = false;
  Failure what = Failure::kOther;
  long long ms = 0;
};
Ended SendCanceledWhen(detour::net::HttpClient& client, detour::net::Request req,
                       const std::function<void()>& ready) {
  detour::CancelFlag cancel{false};
  req.cancel = &cancel;
  std::thread canceler([&] {
    ready();
    cancel = true;
  });
  auto start = SteadyClock::now();
  auto res = client.Send(req);
  Ended e{res.ok(), res.ok() ? Failure::kOther : res.error().what, MsSince(start)};
  canceler.join();
  return e;
}

TEST_CASE("client: the cancel flag stops a silent exchange promptly") {
  FakeUpstream fake(FakeScript().Route("", {FakeStep::Mode(FakeMode::kSilent)}));
  REQUIRE(fake.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  Deadline deadline(In(30s));
  bool hit = false;
  auto e = SendCanceledWhen(*client, Post(fake.BaseUrl() + "/v1", &deadline),
                            [&] { hit = fake.WaitForHits("", 1, 5s); });
  REQUIRE(hit);
  REQUIRE_FALSE(e.ok);
  CHECK(e.what == Failure::kCanceled);
  CHECK(e.ms < 1500);
}

TEST_CASE("client: the cancel flag ends a send the upstream stopped reading, as a cancel") {
  StallingUpstream upstream;
  auto client = detour::net::MakeHttpClient();
  Deadline deadline(In(30s));
  bool stalled = false;
  auto e = SendCanceledWhen(*client, Post(upstream.Url(), &deadline, std::string(8 << 20, 'x')),
                            [&] { stalled = upstream.WaitStalled(10s); });
  REQUIRE(stalled);
  REQUIRE_FALSE(e.ok);
  CHECK(e.what == Failure::kCanceled);  // not a timeout: nothing against the upstream
  CHECK(e.ms < 10000);
}

TEST_CASE("client: the cancel flag ends a connect that gets no answer, as a cancel") {
  FullBacklog upstream;
  REQUIRE(upstream.ok());
  auto client = detour::net::MakeHttpClient();
  Deadline deadline(In(30s));
  long dropped_before = ListenOverflows();
  auto e = SendCanceledWhen(*client, Post(upstream.Url(), &deadline), [&] {
    // Once the kernel dropped the client's SYN, the client is waiting in connect.
    for (int i = 0; i < 500 && dropped_before >= 0 && ListenOverflows() == dropped_before; ++i)
      std::this_thread::sleep_for(10ms);
  });
  REQUIRE_FALSE(e.ok);
  CHECK(e.what == Failure::kCanceled);
  CHECK(e.ms < 10000);
}

TEST_CASE("client: a cancel flag already set does no I/O") {
  FakeUpstream fake(FakeScript().Route("", {FakeStep::Reply("x")}));
  REQUIRE(fake.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  Deadline deadline(In(5s));
  detour::CancelFlag cancel{true};
  auto req = Post(fake.BaseUrl() + "/v1", &deadline);
  req.cancel = &cancel;
  auto res = client->Send(req);
  REQUIRE_FALSE(res.ok());
  CHECK(res.error().what == Failure::kCanceled);
  CHECK(fake.Hits("") == 0);
}

TEST_CASE("client: a handler returning false cancels the stream") {
  FakeStep step = FakeStep::Stream({"a", "b", "c"});
  step.chunk_interval_ms = 20;
  FakeUpstream fake(FakeScript().Route("", {step}));
  REQUIRE(fake.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  Deadline deadline(In(5s));
  SUBCASE("from OnData") {
    Recorder rec;
    rec.stop_after_pieces = 2;
    auto res = client->Stream(Post(fake.BaseUrl() + "/v1", &deadline), rec);
    REQUIRE_FALSE(res.ok());
    CHECK(res.error().what == Failure::kCanceled);
    CHECK(res.error().got_headers);
    CHECK(rec.pieces.size() == 2);
  }
  SUBCASE("from OnHeaders") {
    Recorder rec;
    rec.headers_result = false;
    auto res = client->Stream(Post(fake.BaseUrl() + "/v1", &deadline), rec);
    REQUIRE_FALSE(res.ok());
    CHECK(res.error().what == Failure::kCanceled);
    CHECK(rec.pieces.empty());
  }
}

TEST_CASE("client: a cut connection is not reused; the next call reconnects") {
  FakeUpstream fake(FakeScript().Route("", {FakeStep::Mode(FakeMode::kSilent),
                                             FakeStep::Reply("back")}));
  REQUIRE(fake.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  Deadline d1(In(200ms));
  auto first = client->Send(Post(fake.BaseUrl() + "/v1", &d1));
  REQUIRE_FALSE(first.ok());
  Deadline d2(In(5s));
  auto second = client->Send(Post(fake.BaseUrl() + "/v1", &d2));
  REQUIRE(second.ok());
  CHECK(second->status == 200);
  CHECK(fake.ConnectionsAccepted() == 2);
}

TEST_CASE("client: a stream cut mid-body is kReset after headers") {
  FakeStep step = FakeStep::Stream({"a", "b", "c"});
  step.mode = FakeMode::kCut;
  step.cut_after = 2;
  FakeUpstream fake(FakeScript().Route("", {step}));
  REQUIRE(fake.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  Deadline deadline(In(5s));
  Recorder rec;
  auto res = client->Stream(Post(fake.BaseUrl() + "/v1", &deadline), rec);
  REQUIRE_FALSE(res.ok());
  CHECK(res.error().what == Failure::kReset);
  CHECK(res.error().got_headers);
  CHECK(rec.events.size() == 2);
}

TEST_CASE("client: deadline already passed, bad URL") {
  auto client = detour::net::MakeHttpClient();
  Deadline past(SteadyClock::now() - 1ms);
  auto res = client->Send(Post("http://127.0.0.1:9/v1", &past));
  REQUIRE_FALSE(res.ok());
  CHECK(res.error().what == Failure::kTimeout);
  Deadline deadline(In(1s));
  auto bad = client->Send(Post("not a url", &deadline));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().what == Failure::kOther);
}

TEST_CASE("client: a header value with a line break is refused before any I/O, value unnamed") {
  FakeUpstream fake(FakeScript().Route("", {FakeStep::Reply("x")}));
  REQUIRE(fake.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  Deadline deadline(In(5s));
  auto req = Post(fake.BaseUrl() + "/v1", &deadline);
  // A key read from a file with its newline would otherwise split the request.
  req.headers.emplace_back("Authorization", "Bearer sk-from-file-123\nX-Injected: 1");
  auto res = client->Send(req);
  REQUIRE_FALSE(res.ok());
  CHECK(res.error().what == Failure::kOther);
  CHECK(res.error().message.find("Authorization") != std::string::npos);
  CHECK(res.error().message.find("sk-from-file") == std::string::npos);
  CHECK(fake.Hits("") == 0);
}
