#include "providers/classify.h"

#include <doctest/doctest.h>

#include "providers/error_text.h"

namespace detour {
namespace {

// A fixed wall-clock "now": Sun, 06 Nov 1994 08:49:37 GMT.
const WallTime kNow = std::chrono::system_clock::from_time_t(784111777);

Error Classify(int status, std::string_view body, net::Headers headers = {}) {
  return ClassifyHttpError(status, headers, body, kNow);
}

std::string Envelope(std::string_view code, std::string_view message,
                     std::string_view param = "") {
  Json err = {{"message", message}, {"type", "invalid_request_error"},
              {"param", param.empty() ? Json(nullptr) : Json(param)},
              {"code", code.empty() ? Json(nullptr) : Json(code)}};
  return Json({{"error", err}}).dump();
}

TEST_CASE("classify: timeouts, auth, not found and server errors by status") {
  CHECK(Classify(408, "").kind == ErrorKind::kTimeout);
  CHECK(Classify(504, "<html>Gateway Timeout</html>").kind == ErrorKind::kTimeout);
  CHECK(Classify(401, Envelope("invalid_api_key", "Incorrect API key")).kind == ErrorKind::kAuth);
  CHECK(Classify(403, Envelope("", "unsupported_country")).kind == ErrorKind::kAuth);
  Error nf = Classify(404, R"({"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource does not exist."}})");
  CHECK(nf.kind == ErrorKind::kNotFound);
  CHECK(nf.code == "DeploymentNotFound");
  CHECK(nf.status == 404);
  for (int status : {500, 502, 503, 529, 599}) {
    CAPTURE(status);
    CHECK(Classify(status, Envelope("", "The server had an error")).kind ==
          ErrorKind::kServerError);
  }
}

TEST_CASE("classify: 429 is rate_limit unless the quota is exhausted") {
  Error rl = Classify(429, Envelope("rate_limit_exceeded", "Rate limit reached"),
                      {{"retry-after", "2"}});
  CHECK(rl.kind == ErrorKind::kRateLimit);
  REQUIRE(rl.retry_after_s);
  CHECK(*rl.retry_after_s == doctest::Approx(2.0));
  CHECK(rl.code == "rate_limit_exceeded");

  Error quota = Classify(429, R"({"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}})");
  CHECK(quota.kind == ErrorKind::kAuth);
  CHECK(quota.code == "insufficient_quota");

  // Azure: numeric-looking string code, wait in headers and in the message.
  Error az = Classify(429, R"({"error":{"code":"429","message":"Requests ... have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 6 seconds."}})",
                      {{"Retry-After", "6"}, {"retry-after-ms", "6000"}});
  CHECK(az.kind == ErrorKind::kRateLimit);
  CHECK(az.code == "429");
  CHECK(*az.retry_after_s == doctest::Approx(6.0));
}

TEST_CASE("classify: context window by code and by message variants") {
  Error cw = Classify(400, Envelope("context_length_exceeded",
                                    "This model's maximum context length is 128000 tokens.",
                                    "messages"));
  CHECK(cw.kind == ErrorKind::kContextWindow);
  CHECK(cw.code == "context_length_exceeded");
  CHECK(cw.param == "messages");
  CHECK(cw.message == "This model's maximum context length is 128000 tokens.");
  // No code: llama.cpp and vLLM wordings.
  CHECK(Classify(400, R"({"error":{"code":400,"message":"the request exceeds the available context size, try increasing it"}})").kind ==
        ErrorKind::kContextWindow);
  CHECK(Classify(400, R"({"object":"error","message":"This model's maximum context length is 4096 tokens. However, you requested 5000 tokens.","type":"BadRequestError","code":400})").kind ==
        ErrorKind::kContextWindow);
  // Look-alikes that are plain bad requests.
  CHECK(Classify(400, Envelope("string_above_max_length", "string too long. Expected a string with maximum length 64")).kind ==
        ErrorKind::kBadRequest);
}

TEST_CASE("classify: content policy, OpenAI and Azure forms") {
  Error oa = Classify(400, Envelope("content_policy_violation",
                                    "Your request was rejected as a result of our safety system."));
  CHECK(oa.kind == ErrorKind::kContentPolicy);
  Error az = Classify(400, R"({"error":{"code":"content_filter","message":"The response was filtered due to the prompt triggering Azure OpenAI's content management policy.","param":"prompt","status":400,"innererror":{"code":"ResponsibleAIPolicyViolation","content_filter_result":{"hate":{"filtered":true,"severity":"medium"}}}}})");
  CHECK(az.kind == ErrorKind::kContentPolicy);
  CHECK(az.code == "content_filter");
  CHECK(az.param == "prompt");
  Error spec = Classify(400, R"({"error":{"code":"BadRequest","message":"blocked","inner_error":{"code":"ResponsibleAIPolicyViolation"}}})");
  CHECK(spec.kind == ErrorKind::kContentPolicy);
}

TEST_CASE("classify: other 4xx are bad_request and keep the upstream body") {
  std::string body = Envelope("unsupported_parameter",
                              "Unsupported parameter: 'max_tokens' is not supported with this model.",
                              "max_tokens");
  Error e = Classify(400, body);
  CHECK(e.kind == ErrorKind::kBadRequest);
  CHECK(e.upstream_body == body);
  CHECK(e.param == "max_tokens");
  CHECK(Classify(413, "Request Entity Too Large").kind == ErrorKind::kBadRequest);
  Error fastapi = Classify(422, R"({"detail":[{"loc":["body","messages"],"msg":"field required"}]})");
  CHECK(fastapi.kind == ErrorKind::kBadRequest);
  CHECK(fastapi.message.find("field required") != std::string::npos);
}

TEST_CASE("classify: envelope shapes and fallback messages") {
  CHECK(Classify(400, R"({"error":"plain text error"})").message == "plain text error");
  Error arr = Classify(429, R"([{"error":{"code":429,"message":"Resource exhausted","status":"RESOURCE_EXHAUSTED"}}])");
  CHECK(arr.message == "Resource exhausted");
  CHECK(arr.code == "429");
  CHECK(Classify(502, "  <html>bad gateway</html>\n").message == "<html>bad gateway</html>");
  CHECK(Classify(503, "").message == "upstream answered HTTP 503");
  std::string huge(10000, 'x');
  CHECK(Classify(502, huge).message.size() <= 500);
}

TEST_CASE("classify: Retry-After forms") {
  auto wait = [](net::Headers h) { return RetryAfterSeconds(h, kNow); };
  CHECK(*wait({{"retry-after", "6"}}) == doctest::Approx(6.0));
  CHECK(*wait({{"Retry-After", " 1.5 "}}) == doctest::Approx(1.5));
  CHECK(*wait({{"retry-after", "2"}, {"retry-after-ms", "1400"}}) == doctest::Approx(1.4));
  CHECK(*wait({{"retry-after", "Sun, 06 Nov 1994 08:50:07 GMT"}}) == doctest::Approx(30.0));
  CHECK(*wait({{"retry-after", "Sunday, 06-Nov-94 08:49:47 GMT"}}) == doctest::Approx(10.0));
  CHECK(*wait({{"retry-after", "Sun Nov  6 08:49:57 1994"}}) == doctest::Approx(20.0));
  CHECK(*wait({{"retry-after", "Sun, 06 Nov 1994 08:00:00 GMT"}}) == 0.0);  // in the past
  CHECK_FALSE(wait({{"retry-after", "soon"}}));
  CHECK_FALSE(wait({{"retry-after", "-3"}}));
  CHECK_FALSE(wait({}));
}

TEST_CASE("classify: 429 body hints when no header says how long") {
  Error oa = Classify(429, Envelope("rate_limit_exceeded", "Rate limit reached for gpt-4o on tokens per min (TPM): Limit 30000. Please try again in 1.4s. Visit ..."));
  CHECK(*oa.retry_after_s == doctest::Approx(1.4));
  Error ms = Classify(429, Envelope("rate_limit_exceeded", "Please try again in 20ms."));
  CHECK(*ms.retry_after_s == doctest::Approx(0.02));
  CHECK_FALSE(Classify(429, Envelope("rate_limit_exceeded", "slow down")).retry_after_s);
  // A 400 that happens to say "try again in 5s" carries no wait.
  CHECK_FALSE(Classify(400, Envelope("", "try again in 5s")).retry_after_s);
}

TEST_CASE("classify: error objects inside a 200 body or a stream") {
  Error plain = ClassifyErrorObject(Json::parse(R"({"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null})"));
  CHECK(plain.kind == ErrorKind::kServerError);
  CHECK(plain.status == 0);
  CHECK(plain.message == "The server had an error while processing your request.");
  CHECK(ClassifyErrorObject(Json::parse(R"({"message":"x","code":"rate_limit_exceeded"})")).kind ==
        ErrorKind::kRateLimit);
  Error numeric = ClassifyErrorObject(Json::parse(R"({"message":"busy","code":"429"})"));
  CHECK(numeric.kind == ErrorKind::kRateLimit);
  CHECK(numeric.status == 429);
  CHECK(ClassifyErrorObject(Json::parse(R"({"message":"too long","code":"context_length_exceeded"})")).kind ==
        ErrorKind::kContextWindow);
  CHECK(ClassifyErrorObject(Json::parse(R"({"message":"quota","code":"insufficient_quota"})")).kind ==
        ErrorKind::kAuth);
  CHECK(ClassifyErrorObject(Json("boom")).message == "boom");
  CHECK(ClassifyErrorObject(Json("boom")).kind == ErrorKind::kServerError);
}

TEST_CASE("classify: transport failures") {
  auto kind = [](net::Failure f) { return ClassifyTransport({f, "detail", false}).kind; };
  CHECK(kind(net::Failure::kTimeout) == ErrorKind::kTimeout);
  CHECK(kind(net::Failure::kConnect) == ErrorKind::kConnection);
  CHECK(kind(net::Failure::kReset) == ErrorKind::kConnection);
  CHECK(kind(net::Failure::kTls) == ErrorKind::kConnection);
  CHECK(kind(net::Failure::kOther) == ErrorKind::kConnection);
  CHECK(kind(net::Failure::kCanceled) == ErrorKind::kCanceled);
  CHECK(ClassifyTransport({net::Failure::kConnect, "refused", false}).status == 0);
}

TEST_CASE("classify: RedactSecret removes every copy of the key") {
  Error e = Classify(401, Envelope("invalid_api_key", "Incorrect API key provided: sk-secret-123. Again sk-secret-123"));
  RedactSecret(e, "sk-secret-123");
  CHECK(e.message == "Incorrect API key provided: [redacted]. Again [redacted]");
  CHECK(e.upstream_body.find("sk-secret-123") == std::string::npos);
  Error untouched = e;
  RedactSecret(untouched, "");
  CHECK(untouched.message == e.message);
}

TEST_CASE("error_text: header lookup and number parsing") {
  net::Headers h = {{"Content-Type", "text/plain"}, {"X-A", "1"}};
  CHECK(FindHeader(h, "content-type") == "text/plain");
  CHECK(FindHeader(h, "x-b").empty());
  CHECK(*ParseNonNegative("0") == 0.0);
  CHECK_FALSE(ParseNonNegative("1e999"));
  CHECK_FALSE(ParseNonNegative("3s"));
  CHECK_FALSE(ParseNonNegative(""));
}

}  // namespace
}  // namespace detour
