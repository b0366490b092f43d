// Anthropic failure classification (SPEC 3.1, provider-protocols.md 4.5, 4.7, 7): every
// documented error body, Retry-After and the rate-limit reset headers, and bodies that
// are not Anthropic's envelope at all.
#include <doctest/doctest.h>

#include "providers/anthropic/classify.h"

namespace detour::anthropic {
namespace {

// 2025-08-21T12:40:00Z
const WallTime kNow = std::chrono::system_clock::from_time_t(1755780000);

std::string Body(const std::string& type, const std::string& message) {
  return R"({"type":"error","error":{"type":")" + type + R"(","message":")" + message + R"("},"request_id":"req_1"})";
}

struct Case {
  int status;
  std::string type;
  std::string message;
  ErrorKind kind;
};

TEST_CASE("anthropic classify: each documented error") {
  const std::vector<Case> cases = {
      {529, "overloaded_error", "Overloaded", ErrorKind::kServerError},
      {503, "overloaded_error", "Overloaded", ErrorKind::kServerError},
      {500, "api_error", "Internal server error", ErrorKind::kServerError},
      {502, "api_error", "bad gateway", ErrorKind::kServerError},
      {429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit", ErrorKind::kRateLimit},
      {400, "invalid_request_error", "prompt is too long: 210000 tokens > 200000 maximum", ErrorKind::kContextWindow},
      {400, "invalid_request_error", "input length and `max_tokens` exceed context limit: 1 + 2 > 3", ErrorKind::kContextWindow},
      {400, "invalid_request_error", "Your credit balance is too low to access the Anthropic API.", ErrorKind::kAuth},
      {400, "invalid_request_error", "You have reached your specified API usage limits (spend limit).", ErrorKind::kAuth},
      {402, "billing_error", "billing problem", ErrorKind::kAuth},
      {401, "authentication_error", "invalid x-api-key", ErrorKind::kAuth},
      {403, "permission_error", "Your API key does not have permission", ErrorKind::kAuth},
      {404, "not_found_error", "model: claude-9", ErrorKind::kNotFound},
      {400, "invalid_request_error", "max_tokens: Field required", ErrorKind::kBadRequest},
      {400, "invalid_request_error", "Output blocked by content filtering policy", ErrorKind::kContentPolicy},
      {413, "request_too_large", "Request exceeds the maximum allowed number of bytes.", ErrorKind::kBadRequest},
      {422, "invalid_request_error", "unprocessable", ErrorKind::kBadRequest},
      {408, "timeout_error", "Request timeout", ErrorKind::kTimeout},
      {504, "timeout_error", "Request timeout", ErrorKind::kTimeout},
      {409, "conflict_error", "conflict", ErrorKind::kServerError},
  };
  for (const Case& c : cases) {
    CAPTURE(c.status);
    CAPTURE(c.message);
    std::string body = Body(c.type, c.message);
    Error e = ClassifyHttp(c.status, {}, body, kNow);
    CHECK(KindName(e.kind) == KindName(c.kind));
    CHECK(e.status == c.status);
    CHECK(e.message == c.message);
    CHECK(e.upstream_body == body);
    CHECK(e.code == (c.kind == ErrorKind::kContextWindow ? "context_length_exceeded" : c.type));
  }
}

TEST_CASE("anthropic classify: a spend-limit 429 is auth, not a rate limit") {
  Error e = ClassifyHttp(429, {}, R"({"type":"error","error":{"type":"rate_limit_error","message":"limit",
    "details":{"error_code":"enforced_spend_limit_reached"}}})", kNow);
  CHECK(e.kind == ErrorKind::kAuth);
}

TEST_CASE("anthropic classify: Retry-After, then the reset of an exhausted bucket") {
  Error plain = ClassifyHttp(429, {{"retry-after", "7"}}, Body("rate_limit_error", "x"), kNow);
  REQUIRE(plain.retry_after_s);
  CHECK(*plain.retry_after_s == doctest::Approx(7.0));
  Error ms = ClassifyHttp(429, {{"Retry-After-Ms", "1500"}, {"retry-after", "7"}}, Body("rate_limit_error", "x"), kNow);
  CHECK(*ms.retry_after_s == doctest::Approx(1.5));

  net::Headers resets = {{"anthropic-ratelimit-requests-remaining", "12"},
                         {"anthropic-ratelimit-requests-reset", "2025-08-21T12:41:59Z"},
                         {"anthropic-ratelimit-input-tokens-remaining", "0"},
                         {"anthropic-ratelimit-input-tokens-reset", "2025-08-21T12:40:20Z"},
                         {"anthropic-ratelimit-output-tokens-remaining", "0"},
                         {"anthropic-ratelimit-output-tokens-reset", "2025-08-21T12:40:30.5Z"}};
  Error hinted = ClassifyHttp(429, resets, Body("rate_limit_error", "x"), kNow);
  REQUIRE(hinted.retry_after_s);
  CHECK(*hinted.retry_after_s == doctest::Approx(30.5));  // the latest exhausted one, not requests'
  CHECK_FALSE(ClassifyHttp(529, resets, Body("overloaded_error", "x"), kNow).retry_after_s);
  CHECK_FALSE(ClassifyHttp(429, {}, Body("rate_limit_error", "x"), kNow).retry_after_s);
}

TEST_CASE("anthropic classify: RFC 3339 times") {
  CHECK(ParseRfc3339("2025-08-21T12:40:00Z") == kNow);
  CHECK(ParseRfc3339("2025-08-21T14:40:00+02:00") == kNow);
  CHECK(ParseRfc3339("2025-08-21T11:40:00-01:00") == kNow);
  auto frac = ParseRfc3339("2025-08-21T12:40:00.25Z");
  REQUIRE(frac);
  CHECK(std::chrono::duration<double>(*frac - kNow).count() == doctest::Approx(0.25));
  for (const char* bad : {"", "tomorrow", "2025-08-21", "2025-08-21T12:40:00", "2025-08-21T12:40:00Zjunk",
                          "2025-08-21T12:40:00+2"})
    CHECK_FALSE(ParseRfc3339(bad));
}

TEST_CASE("anthropic classify: bodies that are not Anthropic's envelope") {
  Error html = ClassifyHttp(502, {}, "<html><body>502 Bad Gateway</body></html>", kNow);
  CHECK(html.kind == ErrorKind::kServerError);
  CHECK(html.message.find("502 Bad Gateway") != std::string::npos);
  Error empty = ClassifyHttp(529, {}, "", kNow);
  CHECK(empty.kind == ErrorKind::kServerError);
  CHECK(empty.message == "upstream answered HTTP 529");
  CHECK(ClassifyHttp(400, {}, R"({"error":"prompt is too long"})", kNow).kind == ErrorKind::kContextWindow);
  CHECK(ClassifyHttp(400, {}, R"({"error":{"type":5,"message":[1]}})", kNow).kind == ErrorKind::kBadRequest);
  CHECK(ClassifyHttp(404, {}, "{", kNow).kind == ErrorKind::kNotFound);
  std::string huge(5000, 'x');
  CHECK(ClassifyHttp(500, {}, Body("api_error", huge), kNow).message.size() <= 500);
}

TEST_CASE("anthropic classify: error objects of a stream's error event") {
  auto kind = [](const char* error) { return ClassifyErrorObject(Json::parse(error), 200).kind; };
  CHECK(kind(R"({"type":"overloaded_error","message":"Overloaded"})") == ErrorKind::kServerError);
  CHECK(kind(R"({"type":"api_error","message":"Internal"})") == ErrorKind::kServerError);
  CHECK(kind(R"({"type":"rate_limit_error","message":"slow"})") == ErrorKind::kRateLimit);
  CHECK(kind(R"({"type":"authentication_error","message":"x"})") == ErrorKind::kAuth);
  CHECK(kind(R"({"type":"permission_error","message":"x"})") == ErrorKind::kAuth);
  CHECK(kind(R"({"type":"billing_error","message":"x"})") == ErrorKind::kAuth);
  CHECK(kind(R"({"type":"not_found_error","message":"x"})") == ErrorKind::kNotFound);
  CHECK(kind(R"({"type":"timeout_error","message":"x"})") == ErrorKind::kTimeout);
  CHECK(kind(R"({"type":"invalid_request_error","message":"prompt is too long"})") == ErrorKind::kContextWindow);
  CHECK(kind(R"({"type":"invalid_request_error","message":"bad"})") == ErrorKind::kBadRequest);
  CHECK(kind(R"({"type":"brand_new_error"})") == ErrorKind::kServerError);
  CHECK(kind(R"({})") == ErrorKind::kServerError);
  Error e = ClassifyErrorObject(Json::parse(R"({"type":"overloaded_error","message":"Overloaded"})"), 200);
  CHECK(e.status == 200);
  CHECK(e.message == "Overloaded");
  CHECK(Json::parse(e.upstream_body)["error"]["type"] == "overloaded_error");
  CHECK(ClassifyErrorObject(Json::object(), 200).message == "upstream reported an error");
}

}  // namespace
}  // namespace detour::anthropic
