// Gemini models on Vertex AI in the conformance suite: the same Gemini fixtures, at the
// project/location URL, with an OAuth bearer token from a TokenSource (a stub here; the
// service-account source has its own tests) and no API key anywhere.
#include <doctest/doctest.h>

#include "conformance.h"
#include "gemini_fixtures.h"
#include "providers/vertex/provider.h"

namespace detour::conformance {

void CheckGeminiBody(const std::string& scenario, const testing::FakeHttp::Seen& sent);

namespace {

struct StubTokens final : TokenSource {
  Result<std::string> Token(const AttemptLimits&) override { return std::string("ya29.stub-token"); }
};

TEST_CASE("conformance: vertex (gemini models)") {
  ProviderSuite s;
  s.name = "vertex";
  s.dep.id = "vertex";
  s.dep.provider = "vertex";
  s.dep.model = "gemini-2.5-flash";
  s.dep.project = "proj-1";
  s.dep.location = "us-central1";
  s.dep.api_base = "https://us-central1-aiplatform.googleapis.com";
  s.auth_header = "Authorization";
  s.auth_value = "Bearer ya29.stub-token";
  s.url_contains =
      "https://us-central1-aiplatform.googleapis.com/v1/projects/proj-1/locations/us-central1/"
      "publishers/google/models/gemini-2.5-flash:";
  s.make = [dep = s.dep](testing::FakeHttp& http) {
    return vertex::MakeVertexProviderWith(dep, http, SystemClock(), std::make_shared<StubTokens>());
  };
  s.check_request = [](const std::string& scenario, const testing::FakeHttp::Seen& sent) {
    CheckGeminiBody(scenario, sent);
    for (const auto& [name, value] : sent.headers) CHECK(name != "x-goog-api-key");
  };
  AddGeminiFixtures(s);
  RunConformance(s);
}

}  // namespace
}  // namespace detour::conformance
