// OpenAI embeddings on Gemini (batchEmbedContents): the request Gemini gets, the answer
// in OpenAI's list shape, and malformed answers as classified errors.
#include <doctest/doctest.h>

#include "fake_http.h"
#include "providers/provider.h"

namespace detour {
namespace {

DeploymentConfig Dep() {
  DeploymentConfig d;
  d.id = "g";
  d.provider = "gemini";
  d.model = "text-embedding-004";
  d.api_base = "https://generativelanguage.googleapis.com";
  d.api_key = "gemini-embed-KEY";
  return d;
}

AttemptLimits Limits() {
  AttemptLimits l;
  l.deadline = l.first_token_deadline = SystemClock().Now() + Millis(5000);
  return l;
}

EmbeddingRequest Req(Json input) {
  EmbeddingRequest r;
  r.model = "emb";
  r.body = {{"model", "emb"}, {"input", std::move(input)}, {"dimensions", 2}};
  return r;
}

TEST_CASE("gemini embeddings: one request per text, values back as OpenAI's data") {
  testing::FakeHttp http;
  http.response = {200, {}, R"({"embeddings":[{"values":[0.1,0.2]},{"values":[0.3,0.4]}]})"};
  auto p = MakeProvider(Dep(), http, SystemClock());
  auto r = p->Embed(Req(Json::array({"a", "b"})), Limits());
  REQUIRE(r);
  CHECK(http.last().url == "https://generativelanguage.googleapis.com/v1beta/models/text-embedding-004:batchEmbedContents");
  CHECK(http.Header("x-goog-api-key") == "gemini-embed-KEY");
  Json sent = Json::parse(http.last().body);
  REQUIRE(sent["requests"].size() == 2);
  CHECK(sent["requests"][1]["model"] == "models/text-embedding-004");
  CHECK(sent["requests"][1]["content"]["parts"][0]["text"] == "b");
  CHECK(sent["requests"][0]["outputDimensionality"] == 2);
  CHECK(r->body["object"] == "list");
  CHECK(r->body["data"][1]["index"] == 1);
  CHECK(r->body["data"][1]["embedding"] == Json::array({0.3, 0.4}));
}

TEST_CASE("gemini embeddings: malformed answers and errors are classified") {
  testing::FakeHttp http;
  http.response = {200, {}, R"({"embeddings":[{"nope":1}]})"};
  auto p = MakeProvider(Dep(), http, SystemClock());
  auto r = p->Embed(Req("a"), Limits());
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::kConnection);
  http.response = {429, {}, R"({"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED",
    "details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"3s"}]}})"};
  r = p->Embed(Req("a"), Limits());
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::kRateLimit);
  CHECK(r.error().retry_after_s == doctest::Approx(3.0));
}

TEST_CASE("embeddings: a provider without an embeddings endpoint answers 'unavailable'") {
  testing::FakeHttp http;
  DeploymentConfig d = Dep();
  d.provider = "anthropic";
  d.api_base = "https://api.anthropic.com";
  auto r = MakeProvider(d, http, SystemClock())->Embed(Req("a"), Limits());
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::kUnavailable);
  CHECK(http.seen.empty());
}

}  // namespace
}  // namespace detour
