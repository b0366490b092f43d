// The anthropic provider end to end over a scripted HttpClient: the exchange it sends
// (URL, headers, body), the model-list probe, how streams end; and the Vertex Claude
// variant's request shape (provider-protocols.md 8b).
#include <doctest/doctest.h>

#include "fake_http.h"
#include "providers/anthropic/provider.h"
#include "providers/anthropic/vertex_claude.h"
#include "providers/http_provider.h"
#include "providers/token_source.h"

namespace detour::anthropic {
namespace {

using testing::FakeHttp;
using testing::FakeHttpStep;

constexpr const char* kKey = "sk-ant-provider-SECRET-7";
constexpr const char* kAnswer = R"({"id":"msg_1","type":"message","role":"assistant","model":"claude-x-1",
  "content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn","usage":{"input_tokens":3,"output_tokens":1}})";

DeploymentConfig Dep() {
  DeploymentConfig dep;
  dep.provider = "anthropic";
  dep.model = "claude-x";
  dep.api_base = "https://api.anthropic.com/";
  dep.api_key = kKey;
  return dep;
}

AttemptLimits Limits() {
  AttemptLimits l;
  TimePoint now = SystemClock().Now();
  l.deadline = l.first_token_deadline = now + Millis(5000);
  l.hard_deadline = now + Millis(10000);
  return l;
}

ChatRequest Ask(bool stream = false) {
  ChatRequest r;
  r.body = {{"model", "g"}, {"messages", Json::array({{{"role", "user"}, {"content", "hello"}}})}};
  r.stream = stream;
  return r;
}

// One SSE event; `data` may be written over several source lines (JSON whitespace), but
// goes on the wire as one data line.
std::string Event(const std::string& name, std::string data) {
  std::erase(data, '\n');
  return "event: " + name + "\ndata: " + data + "\n\n";
}

std::string HeaderOf(const FakeHttp::Seen& seen, std::string_view name) {
  for (const auto& [k, v] : seen.headers)
    if (k == name) return v;
  return "<absent>";
}

TEST_CASE("anthropic provider: the exchange for a chat") {
  FakeHttp http;
  http.response = {200, {}, kAnswer};
  DeploymentConfig dep = Dep();
  dep.headers = {{"anthropic-beta", "prompt-caching-2024-07-31"}, {"anthropic-version", "2024-01-01"}};
  auto p = MakeProvider(dep, http, SystemClock());
  REQUIRE(p);
  auto r = p->Complete(Ask(), Limits());
  REQUIRE(r);
  CHECK(r->model == "claude-x-1");
  const auto& sent = http.last();
  CHECK(sent.method == "POST");
  CHECK(sent.url == "https://api.anthropic.com/v1/messages");
  CHECK(HeaderOf(sent, "x-api-key") == kKey);
  CHECK(HeaderOf(sent, "anthropic-version") == "2024-01-01");  // the deployment's own header wins
  CHECK(HeaderOf(sent, "anthropic-beta") == "prompt-caching-2024-07-31");
  CHECK(HeaderOf(sent, "Content-Type") == "application/json");
  CHECK(HeaderOf(sent, "Authorization") == "<absent>");
  Json body = Json::parse(sent.body);
  CHECK(body["model"] == "claude-x");
  CHECK(body["max_tokens"] == 4096);
  CHECK_FALSE(body.contains("stream"));
}

TEST_CASE("anthropic provider: errors are classified and the key never shows") {
  FakeHttp http;
  http.response = {401, {}, std::string(R"({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key )") +
                                kKey + R"("}})"};
  auto r = MakeProvider(Dep(), http, SystemClock())->Complete(Ask(), Limits());
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::kAuth);
  CHECK(r.error().message.find(kKey) == std::string::npos);
  CHECK(r.error().upstream_body.find(kKey) == std::string::npos);
}

TEST_CASE("anthropic provider: probe = models lists {api_base}/v1/models with the key") {
  FakeHttp http;
  http.response = {200, {}, R"({"data":[{"type":"model","id":"claude-x"}],"has_more":false})"};
  DeploymentConfig dep = Dep();
  dep.probe = "models";
  auto r = MakeProvider(dep, http, SystemClock())->Probe(Limits());
  REQUIRE(r);
  CHECK(r->what == "models");
  CHECK(http.last().method == "GET");
  CHECK(http.last().url == "https://api.anthropic.com/v1/models");
  CHECK(HeaderOf(http.last(), "x-api-key") == kKey);
  CHECK(HeaderOf(http.last(), "Content-Type") == "<absent>");
}

const std::string kStreamHead =
    Event("message_start", R"({"type":"message_start","message":{"id":"m","model":"claude-x-1","content":[],"usage":{"input_tokens":4,"output_tokens":1}}})") +
    Event("content_block_start", R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})") +
    Event("content_block_delta", R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}})");

TEST_CASE("anthropic provider: a stream that ends after message_delta without message_stop is complete") {
  FakeHttp http;
  http.steps = {FakeHttpStep::Data(kStreamHead),
                FakeHttpStep::Data(Event("message_delta", R"({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}})")),
                FakeHttpStep::Fail(net::Failure::kReset)};
  int chunks = 0;
  auto r = MakeProvider(Dep(), http, SystemClock())->Stream(Ask(true), Limits(), [&](StreamChunk&) {
    chunks++;
    return true;
  });
  REQUIRE(r);
  CHECK(r->finish_reason == "stop");
  CHECK(r->usage.total() == 6);
  CHECK(chunks == 4);  // role, text, finish, usage
  CHECK(Json::parse(http.last().body)["stream"] == true);
  CHECK(HeaderOf(http.last(), "Accept") == "text/event-stream");
}

TEST_CASE("anthropic provider: a stream cut before message_delta is a connection error") {
  FakeHttp http;
  http.steps = {FakeHttpStep::Data(kStreamHead)};
  auto r = MakeProvider(Dep(), http, SystemClock())->Stream(Ask(true), Limits(), [](StreamChunk&) { return true; });
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::kConnection);
  CHECK(r.error().message.find("stream cut") != std::string::npos);
}

TEST_CASE("anthropic provider: a non-2xx stream answer is classified from its body") {
  FakeHttp http;
  http.status = 529;
  http.steps = {FakeHttpStep::Data(R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})")};
  auto r = MakeProvider(Dep(), http, SystemClock())->Stream(Ask(true), Limits(), [](StreamChunk&) { return true; });
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::kServerError);
  CHECK(r.error().status == 529);
}

struct FixedToken final : TokenSource {
  Result<std::string> Token(const AttemptLimits&) override { return std::string("ya29.token"); }
};

constexpr const char* kVertexModel =
    "https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-x@2025";

TEST_CASE("vertex claude: URL by method, version in the body, no model, no key headers") {
  DeploymentConfig dep = Dep();
  dep.api_key.clear();
  dep.headers = {{"x-goog-user-project", "p"}};
  auto protocol = MakeVertexClaudeProtocol(dep, kVertexModel);
  net::Request chat = protocol->BuildChat(Ask(), false);
  CHECK(chat.url == std::string(kVertexModel) + ":rawPredict");
  net::Request stream = protocol->BuildChat(Ask(true), true);
  CHECK(stream.url == std::string(kVertexModel) + ":streamRawPredict");
  for (const net::Request* r : {&chat, &stream}) {
    Json body = Json::parse(r->body);
    CHECK(body["anthropic_version"] == "vertex-2023-10-16");
    CHECK_FALSE(body.contains("model"));
    CHECK(body["max_tokens"] == 4096);
    for (const auto& [name, value] : r->headers) {
      CHECK(name != "x-api-key");
      CHECK(name != "anthropic-version");
    }
  }
  CHECK(Json::parse(stream.body)["stream"] == true);
  CHECK_FALSE(protocol->BuildModels());
  CHECK(protocol->model() == "claude-x");
  // A URL given with its method is accepted too.
  auto with_method = MakeVertexClaudeProtocol(dep, std::string(kVertexModel) + ":streamRawPredict");
  CHECK(with_method->BuildChat(Ask(), false).url == std::string(kVertexModel) + ":rawPredict");
}

TEST_CASE("vertex claude: through the shared attempt code with a bearer token") {
  FakeHttp http;
  http.response = {200, {}, kAnswer};
  DeploymentConfig dep = Dep();
  dep.api_key.clear();
  HttpProvider p(MakeVertexClaudeProtocol(dep, kVertexModel), http, SystemClock(), false,
                 std::make_shared<FixedToken>());
  auto r = p.Complete(Ask(), Limits());
  REQUIRE(r);
  CHECK(r->body["choices"][0]["message"]["content"] == "hi");
  CHECK(HeaderOf(http.last(), "Authorization") == "Bearer ya29.token");
  CHECK(HeaderOf(http.last(), "x-api-key") == "<absent>");
}

}  // namespace
}  // namespace detour::anthropic
