// The OpenAI-family controller's stream path against a scripted in-memory HttpClient:
// SSE pieces split anywhere, how a stream ends (or fails), and how the deadline moves.
#include <doctest/doctest.h>

#include "fake_http.h"
#include "providers/provider.h"

namespace detour {
namespace {

using testing::FakeHttp;
using testing::FakeHttpStep;

constexpr const char* kKey = "sk-stream-SECRET-42";

std::string Sse(const std::string& json) { return "data: " + json + "\n\n"; }

const std::string kRole = R"({"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null})";
const std::string kHel = R"({"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}],"usage":null})";
const std::string kLo = R"({"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":null}],"usage":null})";
const std::string kStop = R"({"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null})";
const std::string kUsage = R"({"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini-2024-07-18","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}})";
const std::string kAzureFilter = R"({"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"}}}]})";

struct Fixture {
  FakeHttp http;
  std::unique_ptr<Provider> provider;
  std::vector<StreamChunk> chunks;
  bool keep_going = true;
  AttemptLimits limits;

  explicit Fixture(std::string kind = "openai") {
    DeploymentConfig dep;
    dep.provider = kind;
    dep.api_base = kind == "azure" ? "https://res.openai.azure.com" : "https://api.openai.com/v1";
    dep.model = "gpt-4o-mini";
    dep.api_key = kKey;
    provider = MakeProvider(dep, http, SystemClock());
    TimePoint now = SteadyClock::now();
    limits.deadline = now + Millis(30000);
    limits.first_token_deadline = now + Millis(10000);
    limits.idle_timeout = Millis(20000);
    limits.hard_deadline = now + Millis(120000);
  }

  void Script(std::vector<std::string> events, bool done = true) {
    for (auto& e : events) http.steps.push_back(FakeHttpStep::Data(Sse(e)));
    if (done) http.steps.push_back(FakeHttpStep::Data("data: [DONE]\n\n"));
  }

  Result<StreamEnd> Run(const char* body = R"({"model":"g","messages":[],"stream":true})") {
    ChatRequest req;
    req.model = "g";
    req.body = Json::parse(body);
    req.stream = true;
    return provider->Stream(req, limits, [this](StreamChunk& c) {
      chunks.push_back(c);
      return keep_going;
    });
  }
};

double SecondsSince(TimePoint t) {
  return std::chrono::duration<double>(SteadyClock::now() - t).count();
}

TEST_CASE("stream: pieces split anywhere, [DONE], usage and the request sent") {
  Fixture f;
  std::string all;
  for (const auto& e : {kRole, kHel, kLo, kStop, kUsage}) all += Sse(e);
  all += "data: [DONE]\n\n";
  for (size_t i = 0; i < all.size(); i += 7) f.http.steps.push_back(FakeHttpStep::Data(all.substr(i, 7)));

  auto end = f.Run();
  REQUIRE(end);
  CHECK(end->finish_reason == "stop");
  CHECK(end->usage_reported);
  CHECK(end->usage.prompt_tokens == 9);
  CHECK(end->usage.completion_tokens == 2);
  CHECK(end->model == "gpt-4o-mini-2024-07-18");

  REQUIRE(f.chunks.size() == 5);
  CHECK_FALSE(f.chunks[0].has_content);
  CHECK(f.chunks[1].has_content);
  CHECK(ChunkJson(f.chunks[1])["choices"][0]["delta"]["content"] == "Hel");
  CHECK(f.chunks[2].has_content);
  CHECK(f.chunks[3].finish_reason == std::optional<std::string>("stop"));
  REQUIRE(f.chunks[4].usage);
  CHECK(f.chunks[4].usage->total() == 11);

  CHECK(f.http.last().url == "https://api.openai.com/v1/chat/completions");
  CHECK(f.http.Header("Accept") == "text/event-stream");
  CHECK(f.http.Header("Authorization") == std::string("Bearer ") + kKey);
  CHECK(f.http.last().body ==
        R"({"messages":[],"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true}})");
  CHECK(f.http.last().deadline == f.limits.first_token_deadline);
}

TEST_CASE("stream: CRLF line ends, keep-alive comments and a last event without blank line") {
  Fixture f;
  f.http.steps = {FakeHttpStep::Data(": OPENROUTER PROCESSING\r\n\r\n"),
                  FakeHttpStep::Data("data: " + kHel + "\r\n\r\n"),
                  FakeHttpStep::Data("data: " + kStop)};
  auto end = f.Run();
  REQUIRE(end);
  CHECK(f.chunks.size() == 2);
  CHECK(end->finish_reason == "stop");
  CHECK_FALSE(end->usage_reported);
}

TEST_CASE("stream: a finish reason then EOF without [DONE] is a complete answer") {
  Fixture f;
  f.Script({kRole, kHel, kStop}, /*done=*/false);
  auto end = f.Run();
  REQUIRE(end);
  CHECK(end->finish_reason == "stop");
  CHECK(f.chunks.size() == 3);
}

TEST_CASE("stream: after the finish reason it waits at most 1 s for the upstream's end") {
  Fixture f;
  f.Script({kRole, kHel, kStop}, /*done=*/false);
  f.http.steps.push_back(FakeHttpStep::Stall());
  TimePoint start = SteadyClock::now();
  auto end = f.Run();
  double took = SecondsSince(start);
  REQUIRE(end);
  CHECK(end->finish_reason == "stop");
  CHECK(took >= 0.9);
  CHECK(took < 3.0);
  // The deadline after the finish chunk: about now + 1 s.
  REQUIRE(f.http.deadlines.size() == 3);
  double grace = std::chrono::duration<double>(f.http.deadlines[2] - start).count();
  CHECK(grace >= 0.99);
  CHECK(grace < 1.5);
}

TEST_CASE("stream: EOF without a finish reason is a cut stream") {
  Fixture f;
  f.Script({kRole, kHel}, /*done=*/false);
  auto end = f.Run();
  REQUIRE_FALSE(end);
  CHECK(end.error().kind == ErrorKind::kConnection);
  CHECK(end.error().message.find("stream cut") != std::string::npos);
  CHECK(end.error().status == 200);
  CHECK(f.chunks.size() == 2);

  Fixture g;
  g.Script({kRole, kHel}, /*done=*/true);  // [DONE] but never a finish reason
  auto done = g.Run();
  REQUIRE_FALSE(done);
  CHECK(done.error().kind == ErrorKind::kConnection);

  Fixture h;
  h.Script({kRole, kHel}, /*done=*/false);
  h.http.steps.push_back(FakeHttpStep::Fail(net::Failure::kReset));
  auto reset = h.Run();
  REQUIRE_FALSE(reset);
  CHECK(reset.error().kind == ErrorKind::kConnection);
}

TEST_CASE("stream: an error chunk ends the stream with its classified error") {
  Fixture f;
  f.Script({kRole, kHel,
            R"({"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}})",
            kLo});
  auto end = f.Run();
  REQUIRE_FALSE(end);
  CHECK(end.error().kind == ErrorKind::kServerError);
  CHECK(end.error().message == "The server had an error while processing your request.");
  CHECK(f.chunks.size() == 2);
  CHECK(f.http.stopped_by_handler);

  Fixture g;
  g.Script({R"({"error":{"message":"Rate limit reached","code":"rate_limit_exceeded"}})"});
  auto rl = g.Run();
  REQUIRE_FALSE(rl);
  CHECK(rl.error().kind == ErrorKind::kRateLimit);
  CHECK(g.chunks.empty());
}

TEST_CASE("stream: a data line that is not JSON is a malformed chunk") {
  Fixture f;
  f.http.steps = {FakeHttpStep::Data(Sse(kHel)), FakeHttpStep::Data("data: {\"choices\":[{\"delta\n\n"),
                  FakeHttpStep::Data(Sse(kStop))};
  auto end = f.Run();
  REQUIRE_FALSE(end);
  CHECK(end.error().kind == ErrorKind::kConnection);
  CHECK(end.error().message.find("malformed chunk") != std::string::npos);
  CHECK(f.chunks.size() == 1);
}

TEST_CASE("azure: filter-only chunks are dropped and the real model is reported") {
  Fixture f("azure");
  f.Script({kAzureFilter, kRole, kHel, kStop, kAzureFilter, kUsage});
  auto end = f.Run();
  REQUIRE(end);
  CHECK(f.chunks.size() == 4);
  for (auto& c : f.chunks) CHECK(ChunkJson(c)["id"] == "c1");
  CHECK(end->model == "gpt-4o-mini-2024-07-18");
  CHECK(end->usage.total() == 11);
  CHECK(f.http.Header("api-key") == kKey);
  CHECK(f.http.last().url ==
        "https://res.openai.azure.com/openai/deployments/gpt-4o-mini/chat/completions"
        "?api-version=2024-10-21");
}

TEST_CASE("stream: a non-2xx answer is read and classified; the sink sees nothing") {
  Fixture f;
  f.http.status = 429;
  f.http.headers = {{"Retry-After", "3"}};
  f.http.steps = {FakeHttpStep::Data(R"({"error":{"message":"Rate limit )"),
                  FakeHttpStep::Data(R"(reached","code":"rate_limit_exceeded"}})")};
  auto end = f.Run();
  REQUIRE_FALSE(end);
  CHECK(end.error().kind == ErrorKind::kRateLimit);
  CHECK(end.error().status == 429);
  CHECK(end.error().message == "Rate limit reached");
  CHECK(*end.error().retry_after_s == doctest::Approx(3.0));
  CHECK(f.chunks.empty());

  Fixture g;
  g.http.status = 401;
  g.http.steps = {FakeHttpStep::Data(std::string(R"({"error":{"message":"bad key )") + kKey + R"("}})")};
  auto auth = g.Run();
  REQUIRE_FALSE(auth);
  CHECK(auth.error().kind == ErrorKind::kAuth);
  CHECK(auth.error().message == "bad key [redacted]");
  CHECK(auth.error().upstream_body.find(kKey) == std::string::npos);
}

TEST_CASE("stream: the sink returning false or the cancel flag cancels") {
  Fixture f;
  f.keep_going = false;
  f.Script({kRole, kHel, kStop});
  auto end = f.Run();
  REQUIRE_FALSE(end);
  CHECK(end.error().kind == ErrorKind::kCanceled);
  CHECK(f.chunks.size() == 1);
  CHECK(f.http.stopped_by_handler);

  Fixture g;
  CancelFlag cancel{true};
  g.limits.cancel = &cancel;
  g.Script({kRole, kHel, kStop});
  auto canceled = g.Run();
  REQUIRE_FALSE(canceled);
  CHECK(canceled.error().kind == ErrorKind::kCanceled);
  CHECK(g.http.last().cancel == &cancel);
}

TEST_CASE("stream: no first token before first_token_deadline is a timeout") {
  Fixture f;
  TimePoint start = SteadyClock::now();
  f.limits.first_token_deadline = start + Millis(150);
  f.Script({kRole}, /*done=*/false);  // a role chunk is not a token
  f.http.steps.push_back(FakeHttpStep::Stall());
  auto end = f.Run();
  double took = SecondsSince(start);
  REQUIRE_FALSE(end);
  CHECK(end.error().kind == ErrorKind::kTimeout);
  CHECK(end.error().message.find("first token") != std::string::npos);
  CHECK(took >= 0.14);
  CHECK(took < 2.0);
  REQUIRE(f.http.deadlines.size() == 1);
  CHECK(f.http.deadlines[0] == f.limits.first_token_deadline);  // unmoved by the role chunk
}

TEST_CASE("stream: after the first token, silence longer than idle_timeout is a timeout") {
  Fixture f;
  f.limits.idle_timeout = Millis(120);
  f.Script({kRole, kHel, kLo}, /*done=*/false);
  f.http.steps.push_back(FakeHttpStep::Stall());
  TimePoint start = SteadyClock::now();
  auto end = f.Run();
  double took = SecondsSince(start);
  REQUIRE_FALSE(end);
  CHECK(end.error().kind == ErrorKind::kTimeout);
  CHECK(end.error().message.find("idle") != std::string::npos);
  CHECK(end.error().status == 200);
  CHECK(took >= 0.11);
  CHECK(took < 2.0);
  CHECK(f.chunks.size() == 3);
  REQUIRE(f.http.deadlines.size() == 3);
  CHECK(f.http.deadlines[0] == f.limits.first_token_deadline);
  CHECK(f.http.deadlines[1] > start + Millis(110));  // moved to about now + 120 ms
  CHECK(f.http.deadlines[1] < start + Millis(1000));
  CHECK(f.http.deadlines[2] >= f.http.deadlines[1]);
}

TEST_CASE("stream: the deadline never moves past hard_deadline") {
  Fixture f;
  TimePoint start = SteadyClock::now();
  f.limits.first_token_deadline = start + Millis(10000);
  f.limits.idle_timeout = Millis(20000);
  f.limits.hard_deadline = start + Millis(5000);
  f.Script({kHel, kStop}, /*done=*/false);
  auto end = f.Run();
  REQUIRE(end);
  CHECK(f.http.last().deadline == f.limits.hard_deadline);  // first token capped too
  REQUIRE(f.http.deadlines.size() == 2);
  CHECK(f.http.deadlines[0] == f.limits.hard_deadline);     // now + idle > hard
  CHECK(f.http.deadlines[1] < start + Millis(2000));        // finish grace: now + 1 s
}

TEST_CASE("stream: n > 1 waits for every choice's finish reason") {
  Fixture f;
  const std::string c0 = R"({"id":"c","model":"m","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":"stop"}]})";
  const std::string c1 = R"({"id":"c","model":"m","choices":[{"index":1,"delta":{"content":"b"},"finish_reason":null}]})";
  f.Script({c0, c1}, /*done=*/false);
  auto cut = f.Run(R"({"messages":[],"n":2})");
  REQUIRE_FALSE(cut);
  CHECK(cut.error().kind == ErrorKind::kConnection);

  Fixture g;
  const std::string c1_done = R"({"id":"c","model":"m","choices":[{"index":1,"delta":{},"finish_reason":"length"}]})";
  g.Script({c0, c1, c1_done}, /*done=*/false);
  auto end = g.Run(R"({"messages":[],"n":2})");
  REQUIRE(end);
  CHECK(end->finish_reason == "stop");
}

TEST_CASE("stream: transport failures before any byte") {
  Fixture f;
  f.http.send_failure = net::TransportError{net::Failure::kConnect, "refused", false};
  auto end = f.Run();
  REQUIRE_FALSE(end);
  CHECK(end.error().kind == ErrorKind::kConnection);
  CHECK(end.error().status == 0);
  CHECK(end.error().message.find(kKey) == std::string::npos);
}

}  // namespace
}  // namespace detour
