// Request parsing and checks of the OpenAI surface (SPEC 4.1, 2.5): pure functions.
#include <doctest/doctest.h>

#include "server/auth.h"
#include "server/error_response.h"
#include "server/openai_api.h"

namespace detour {
namespace {

ApiError ErrorOf(const std::string& body) {
  auto r = ParseChatRequest(body);
  REQUIRE_FALSE(r.ok());
  return r.error();
}

TEST_CASE("a valid body becomes a ChatRequest; unknown fields stay for the upstream") {
  auto r = ParseChatRequest(
      R"({"model":"fast","messages":[{"role":"user","content":"hi"}],"stream":true,)"
      R"("stream_options":{"include_usage":true},"logit_bias":{"1":2},"x_custom":7})");
  REQUIRE(r.ok());
  CHECK(r->model == "fast");
  CHECK(r->stream);
  CHECK(r->client_wants_usage);
  CHECK(RequestJson(*r)["x_custom"] == 7);
  CHECK(RequestJson(*r)["logit_bias"]["1"] == 2);
}

TEST_CASE("detour-only fields become overrides and leave the body") {
  auto r = ParseChatRequest(
      R"({"model":"m","messages":[{"role":"user","content":"x"}],"fallbacks":["a","b"],"num_retries":1,"timeout":2.5})");
  REQUIRE(r.ok());
  CHECK(r->overrides.fallbacks == std::vector<std::string>{"a", "b"});
  CHECK(r->overrides.num_retries == 1);
  CHECK(r->overrides.timeout == Millis(2500));
  CHECK_FALSE(RequestJson(*r).contains("fallbacks"));
  CHECK_FALSE(RequestJson(*r).contains("num_retries"));
  CHECK_FALSE(RequestJson(*r).contains("timeout"));
}

TEST_CASE("bad bodies are 400s naming the field") {
  CHECK(ErrorOf("{not json").message == "the request body is not valid JSON");
  CHECK(ErrorOf("[1,2]").message == "the request body must be a JSON object");
  CHECK(ErrorOf(R"({"messages":[]})").param == "model");
  CHECK(ErrorOf(R"({"model":3,"messages":[]})").param == "model");
  CHECK(ErrorOf(R"({"model":"m"})").param == "messages");
  CHECK(ErrorOf(R"({"model":"m","messages":{}})").param == "messages");
  CHECK(ErrorOf(R"({"model":"m","messages":[]})").message == "`messages` must not be empty");
  CHECK(ErrorOf(R"({"model":"m","messages":["hi"]})").param == "messages[0]");
  CHECK(ErrorOf(R"({"model":"m","messages":[{"role":"user"},{"content":"x"}]})").param == "messages[1].role");
  CHECK(ErrorOf(R"({"model":"m","messages":[{"role":"user"}],"stream":"yes"})").param == "stream");
  CHECK(ErrorOf(R"({"model":"m","messages":[{"role":"user"}],"max_tokens":1.5})").param == "max_tokens");
  CHECK(ErrorOf(R"({"model":"m","messages":[{"role":"user"}],"fallbacks":[1]})").param == "fallbacks");
  CHECK(ErrorOf(R"({"model":"m","messages":[{"role":"user"}],"timeout":-1})").param == "timeout");
  CHECK(ErrorOf(R"({"model":"m","messages":[{"role":"user"}],"num_retries":-2})").param == "num_retries");
  for (const char* body : {"{not json", R"({"model":"m"})"}) CHECK(ErrorOf(body).status == 400);
}

TEST_CASE("error bodies: OpenAI shape, attempts listed, Retry-After for rate limits") {
  RouteFailure f;
  f.status = 429;
  f.retry_after_s = 7;
  f.error = MakeError(ErrorKind::kRateLimit, "slow down", 429);
  AttemptRecord a;
  a.deployment = "d1";
  a.kind = ErrorKind::kRateLimit;
  a.status = 429;
  a.message = "slow down";
  a.elapsed = Millis(12);
  f.attempts = {a};
  net::ServerResponse out;
  WriteRouteFailure(f, out);
  CHECK(out.status == 429);
  Json body = Json::parse(out.body);
  CHECK(body["error"]["type"] == "rate_limit_error");
  CHECK(body["error"]["attempts"] ==
        Json::parse(R"([{"deployment":"d1","kind":"rate_limit","status":429,"message":"slow down","elapsed_ms":12}])"));
  bool has_retry_after = false;
  for (const auto& [k, v] : out.headers) has_retry_after |= (k == "Retry-After" && v == "7");
  CHECK(has_retry_after);
}

TEST_CASE("a bad_request failure returns the provider's body byte for byte") {
  RouteFailure f;
  f.status = 400;
  f.error = MakeError(ErrorKind::kBadRequest, "bad", 400);
  f.error.upstream_body = R"({"error":{"message":"Invalid 'tools'","param":"tools"}})";
  net::ServerResponse out;
  WriteRouteFailure(f, out);
  CHECK(out.status == 400);
  CHECK(out.body == f.error.upstream_body);
}

TEST_CASE("the stream error event is one SSE data line") {
  RouteFailure f;
  f.committed = true;
  f.error = MakeError(ErrorKind::kConnection, "stream cut");
  std::string ev = StreamErrorEvent(f);
  CHECK(ev.rfind("data: {\"error\":", 0) == 0);
  CHECK(ev.substr(ev.size() - 2) == "\n\n");
  CHECK(ev.find('\n') == ev.size() - 2);
}

TEST_CASE("Bearer auth: constant-time compare, scheme case-insensitive, no keys = open") {
  std::vector<std::string> keys = {"key-one", "key-two"};
  CHECK(BearerAuthorized("Bearer key-two", keys));
  CHECK(BearerAuthorized("bearer key-one", keys));
  CHECK_FALSE(BearerAuthorized("Bearer key-on", keys));
  CHECK_FALSE(BearerAuthorized("Bearer key-one ", keys));
  CHECK_FALSE(BearerAuthorized("Basic key-one", keys));
  CHECK_FALSE(BearerAuthorized("", keys));
  CHECK(BearerAuthorized("", {}));
  CHECK(ConstantTimeEquals("abc", "abc"));
  CHECK_FALSE(ConstantTimeEquals("abc", "abcd"));
}

}  // namespace
}  // namespace detour

namespace detour {
namespace {

TEST_CASE("embeddings request: model and input checked, field named; overrides taken out") {
  CHECK(ParseEmbeddingRequest(R"({"input":"x"})").error().param == "model");
  CHECK(ParseEmbeddingRequest(R"({"model":"g"})").error().param == "input");
  CHECK(ParseEmbeddingRequest(R"({"model":"g","input":[]})").error().param == "input");
  CHECK(ParseEmbeddingRequest(R"({"model":"g","input":[1,"a",{}]})").error().param == "input");
  CHECK(ParseEmbeddingRequest(R"({"model":"g","input":"x","num_retries":"3"})").error().param == "num_retries");
  auto r = ParseEmbeddingRequest(R"({"model":"g","input":["a","b"],"dimensions":256,"fallbacks":["h"],"timeout":2})");
  REQUIRE(r.ok());
  CHECK(r->model == "g");
  CHECK(r->body["dimensions"] == 256);
  CHECK_FALSE(r->body.contains("fallbacks"));
  CHECK(r->overrides.fallbacks == std::vector<std::string>{"h"});
  CHECK(r->overrides.timeout == Millis(2000));
  CHECK(ParseEmbeddingRequest(R"({"model":"g","input":[[1,2],[3]]})").ok());
}

}  // namespace
}  // namespace detour
