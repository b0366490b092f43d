// The gemini provider in the conformance suite: fixtures in Gemini's documented format
// (gemini_fixtures.h), the key only in x-goog-api-key, and the request body in Gemini's
// shape (roles user/model, systemInstruction, functionDeclarations, functionResponse).
#include <doctest/doctest.h>

#include "conformance.h"
#include "gemini_fixtures.h"

namespace detour::conformance {

// Checks every Gemini request body (also used by the vertex suite).
void CheckGeminiBody(const std::string& scenario, const testing::FakeHttp::Seen& sent) {
  CAPTURE(scenario);
  Json body = Json::parse(sent.body, nullptr, false);
  REQUIRE(body.is_object());
  CHECK_FALSE(body.contains("messages"));
  CHECK_FALSE(body.contains("model"));
  for (const Json& c : body["contents"]) CHECK((c["role"] == "user" || c["role"] == "model"));
  if (scenario == "system") CHECK(body["systemInstruction"]["parts"][0]["text"] == "You are terse.");
  if (scenario == "multi_turn") CHECK(body["contents"][1]["role"] == "model");
  if (body.contains("tools")) {
    const Json& decl = body["tools"][0]["functionDeclarations"][0];
    CHECK(decl["name"] == "get_weather");
    CHECK(decl["parameters"]["properties"]["location"]["type"] == "string");
  }
  if (scenario == "tool_result") {
    const Json& call = body["contents"][1]["parts"][0]["functionCall"];
    CHECK(call["args"] == Json{{"location", "Paris"}});  // an object, not OpenAI's string
    const Json& result = body["contents"][2];
    CHECK(result["role"] == "user");
    CHECK(result["parts"][0]["functionResponse"]["name"] == "get_weather");
    CHECK(result["parts"][0]["functionResponse"]["response"] == Json{{"content", "18C sunny"}});
  }
  bool stream = scenario.rfind("stream_", 0) == 0;
  CHECK((sent.url.find(":streamGenerateContent?alt=sse") != std::string::npos) == stream);
  CHECK((sent.url.find(":generateContent") != std::string::npos) == !stream);
}

namespace {

TEST_CASE("conformance: gemini") {
  ProviderSuite s;
  s.name = "gemini";
  s.dep.id = "gemini";
  s.dep.provider = "gemini";
  s.dep.model = "gemini-2.5-flash";
  s.dep.api_base = "https://generativelanguage.googleapis.com";
  s.dep.api_key = "AIzaConformanceKEY0001";
  s.auth_header = "x-goog-api-key";
  s.auth_value = "AIzaConformanceKEY0001";
  s.url_contains = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:";
  s.check_request = CheckGeminiBody;
  AddGeminiFixtures(s);
  RunConformance(s);
}

}  // namespace
}  // namespace detour::conformance
