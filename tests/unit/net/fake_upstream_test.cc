// The fake upstream itself: step order, routing, rendering options, control endpoints,
// and a Stop that returns while connections are still open.
#include <doctest/doctest.h>

#include <thread>

#include "net/http_client.h"
#include "support/fake_upstream.h"
#include "unit/net/net_test_util.h"

using namespace nettest;
using detour::Json;
using detour::net::Deadline;
using detour::testing::FakeMode;
using detour::testing::FakeScript;
using detour::testing::FakeStep;
using detour::testing::FakeUpstream;

namespace {

detour::net::Response Call(detour::net::HttpClient& client, const std::string& url,
                           std::string body = R"({"model":"m"})", std::string method = "POST") {
  Deadline deadline(In(5s));
  auto req = Post(url, &deadline, std::move(body));
  req.method = method;
  auto res = client.Send(req);
  REQUIRE(res.ok());
  return *res;
}

}  // namespace

TEST_CASE("fake: steps run in order per prefix, the last repeats; longest prefix wins") {
  FakeScript script;
  script.Route("/v1", {FakeStep::Status(500, "a"), FakeStep::Status(201, "b")})
      .Route("/v1/long", {FakeStep::Status(202, "long")})
      .Route("", {FakeStep::Status(203, "default")});
  FakeUpstream fake(script);
  REQUIRE(fake.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  CHECK(Call(*client, fake.BaseUrl() + "/v1/x").status == 500);
  CHECK(Call(*client, fake.BaseUrl() + "/v1/x").status == 201);
  CHECK(Call(*client, fake.BaseUrl() + "/v1/y").body == "b");
  CHECK(Call(*client, fake.BaseUrl() + "/v1/long/z").body == "long");
  CHECK(Call(*client, fake.BaseUrl() + "/other").body == "default");
  CHECK(fake.Hits("/v1") == 3);
  CHECK(fake.Hits("/v1/long") == 1);
  CHECK(fake.Hits("") == 1);
  auto recorded = fake.Requests();
  REQUIRE(recorded.size() == 5);
  CHECK(recorded[3].route == "/v1/long");
  CHECK(recorded[0].time_ms <= recorded[4].time_ms);
}

TEST_CASE("fake: no route is a 404 and counts no hit") {
  FakeUpstream fake(FakeScript().Route("/only", {FakeStep::Reply("x")}));
  REQUIRE(fake.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  CHECK(Call(*client, fake.BaseUrl() + "/else").status == 404);
  CHECK(fake.AllHits().empty());
}

TEST_CASE("fake: stream options: usage chunk on request, no [DONE], no finish") {
  FakeStep step = FakeStep::Stream({"a", "b", "c"});
  step.done = false;
  step.finish = false;
  step.usage = Json{{"prompt_tokens", 7}};
  FakeUpstream fake(FakeScript().Route("", {step}));
  REQUIRE(fake.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  Deadline deadline(In(5s));
  Recorder rec;
  auto req = Post(fake.BaseUrl() + "/v1", &deadline,
                  R"({"model":"gpt-x","stream":true,"stream_options":{"include_usage":true}})");
  REQUIRE(client->Stream(req, rec).ok());
  REQUIRE(rec.events.size() == 5);  // role, a, b, c, usage
  Json role = Json::parse(rec.events[0]);
  CHECK(role["model"] == "gpt-x");
  CHECK(role["object"] == "chat.completion.chunk");
  CHECK(role["choices"][0]["delta"] == Json{{"role", "assistant"}, {"content", ""}});
  Json usage = Json::parse(rec.events[4]);
  CHECK(usage["choices"] == Json::array());
  CHECK(usage["usage"] == Json{{"prompt_tokens", 7}, {"completion_tokens", 3}, {"total_tokens", 10}});
}

TEST_CASE("fake: reply body shape and delay_ms") {
  FakeStep step = FakeStep::Reply("two words");
  step.delay_ms = 150;
  step.headers = {{"x-request-id", "r1"}};
  FakeUpstream fake(FakeScript().Route("", {step}));
  REQUIRE(fake.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  auto start = SteadyClock::now();
  auto res = Call(*client, fake.BaseUrl() + "/v1");
  CHECK(MsSince(start) >= 145);
  CHECK(res.Header("X-Request-Id") == "r1");
  Json body = Json::parse(res.body);
  CHECK(body["object"] == "chat.completion");
  CHECK(body["model"] == "m");
  CHECK(body["choices"][0]["finish_reason"] == "stop");
  CHECK(body["choices"][0]["message"]["role"] == "assistant");
  CHECK(body["usage"] == Json{{"prompt_tokens", 10}, {"completion_tokens", 2}, {"total_tokens", 12}});
}

TEST_CASE("fake: control endpoints replace the script and report hits and requests") {
  FakeUpstream fake(FakeScript().Route("", {FakeStep::Reply("first")}));
  REQUIRE(fake.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  Call(*client, fake.BaseUrl() + "/v1");
  CHECK(Json::parse(Call(*client, fake.BaseUrl() + "/__hits", "", "GET").body) == Json{{"", 1}});
  auto bad = Call(*client, fake.BaseUrl() + "/__script", "{nope");
  CHECK(bad.status == 400);
  auto ok = Call(*client, fake.BaseUrl() + "/__script",
                 R"({"routes": {"/p": [{"status": 418, "body": {"e": 1}}]}})");
  CHECK(ok.status == 200);
  CHECK(Json::parse(Call(*client, fake.BaseUrl() + "/__hits", "", "GET").body) == Json::object());
  auto teapot = Call(*client, fake.BaseUrl() + "/p/q");
  CHECK(teapot.status == 418);
  CHECK(teapot.body == R"({"e":1})");
  Json requests = Json::parse(Call(*client, fake.BaseUrl() + "/__requests", "", "GET").body);
  REQUIRE(requests.size() == 2);  // control calls are not recorded
  CHECK(requests[1]["path"] == "/p/q");
  CHECK(requests[1]["route"] == "/p");
  CHECK(requests[1]["method"] == "POST");
  CHECK(requests[1]["body"] == R"({"model":"m"})");
  CHECK(requests[1]["headers"]["Content-Type"] == "application/json");
}

TEST_CASE("fake: WaitForHits times out; Stop returns with silent connections open") {
  FakeUpstream fake(FakeScript().Route("", {FakeStep::Mode(FakeMode::kSilent)}));
  REQUIRE(fake.Start() > 0);
  CHECK_FALSE(fake.WaitForHits("", 1, 50ms));
  auto client = detour::net::MakeHttpClient();
  std::vector<std::thread> callers;
  std::atomic<int> failed{0};
  for (int i = 0; i < 3; ++i) {
    callers.emplace_back([&] {
      Deadline deadline(In(10s));
      auto res = client->Send(Post(fake.BaseUrl() + "/v1", &deadline));
      if (!res.ok()) failed++;
    });
  }
  REQUIRE(fake.WaitForHits("", 3, 5s));
  auto start = SteadyClock::now();
  fake.Stop();
  CHECK(MsSince(start) < 1000);
  for (auto& t : callers) t.join();
  CHECK(failed == 3);  // the callers saw the connections close, well before their deadline
  CHECK(MsSince(start) < 2000);
}

TEST_CASE("fake: script JSON form") {
  auto script = detour::testing::ScriptFromText(R"({"routes": {
      "/a": [{"stream": ["x"], "mode": "cut", "cut_after": 2, "chunk_interval_ms": 5,
              "first_chunk_delay_ms": 7, "headers": {"retry-after": 3}}],
      "": {"reply": "r", "include_usage": true, "done": false, "finish": false,
           "mode": "trickle", "trickle_interval_ms": 20, "delay_ms": 4}}})");
  REQUIRE(script.ok());
  const FakeStep& a = script->routes.at("/a").at(0);
  CHECK(a.mode == FakeMode::kCut);
  CHECK(a.cut_after == 2);
  CHECK(a.chunk_interval_ms == 5);
  CHECK(a.first_chunk_delay_ms == 7);
  CHECK(a.headers.at(0) == std::make_pair(std::string("retry-after"), std::string("3")));
  const FakeStep& d = script->routes.at("").at(0);
  CHECK(d.reply == "r");
  CHECK(d.include_usage == true);
  CHECK_FALSE(d.done);
  CHECK_FALSE(d.finish);
  CHECK(d.mode == FakeMode::kTrickle);
  CHECK(d.trickle_interval_ms == 20);
  CHECK(d.delay_ms == 4);
  CHECK_FALSE(detour::testing::ScriptFromText(R"({"routes": {"/a": [{"mode": "odd"}]}})").ok());
  CHECK_FALSE(detour::testing::ScriptFromText(R"({"nope": 1})").ok());
}
