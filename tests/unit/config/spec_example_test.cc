// The example config of SPEC section 2, verbatim in tests/fixtures/spec_example.toml.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "config_test_util.h"

namespace detour {
namespace {

using config_test::FakeEnv;
using config_test::IssueStrings;

const std::string kPath = std::string(DETOUR_SOURCE_DIR) + "/tests/fixtures/spec_example.toml";

EnvLookup SpecEnv() {
  return FakeEnv({{"DETOUR_API_KEY", "client"},
                  {"OPENAI_API_KEY", "sk-o"},
                  {"ANTHROPIC_API_KEY", "sk-a"}});
}

std::string ReadFixture() {
  std::ifstream in(kPath);
  REQUIRE(in);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST_CASE("the SPEC example as written only lacks its long-context group") {
  // The example's context_window_fallbacks names "long-context", which none of its
  // deployments defines; SPEC 2.2 makes that an error.
  auto r = LoadConfigFile(kPath, SpecEnv());
  REQUIRE_FALSE(r.ok());
  CHECK(IssueStrings(r.error()) ==
        std::vector<std::string>{
            kPath + ":38: router.context_window_fallbacks.primary[0]: unknown model group "
                    "\"long-context\" (no [[deployments]] has model_name = \"long-context\")"});
}

TEST_CASE("the SPEC example loads cleanly once long-context exists") {
  std::string text = ReadFixture() +
                     "\n[[deployments]]\nmodel_name = \"long-context\"\n"
                     "model = \"gemini/gemini-2.5-pro\"\napi_key = \"${GEMINI_API_KEY}\"\n";
  auto r = LoadConfigText(text, "spec.toml", SpecEnv());
  if (!r.ok()) FAIL(IssueStrings(r.error()).front());
  const Config& c = *r;
  CHECK(c.server.listen == "127.0.0.1:4000");
  CHECK(c.server.api_keys == std::vector<std::string>{"client"});
  CHECK(c.server.max_body == size_t{8} << 20);
  CHECK(c.server.shutdown_grace == Millis(10000));
  CHECK(c.router.default_model == "primary");
  CHECK(c.router.first_token_timeout == Millis(10000));
  CHECK(c.router.backoff.base == Millis(250));
  CHECK(c.router.backoff.max == Millis(8000));
  CHECK(c.router.allowed_fails == 3);
  for (int k = 0; k < kErrorKindCount; ++k) {
    auto kind = static_cast<ErrorKind>(k);
    bool listed = kind != ErrorKind::kCanceled && kind != ErrorKind::kUnavailable;
    CHECK_MESSAGE(c.router.retry_policy[k].has_value() == listed, KindName(kind));
  }
  CHECK(c.router.retry_policy[static_cast<int>(ErrorKind::kRateLimit)] == 3);
  CHECK(c.router.fallbacks.at("primary") == std::vector<std::string>{"backup"});
  CHECK(c.router.context_window_fallbacks.at("primary") ==
        std::vector<std::string>{"long-context"});
  CHECK(c.router.content_policy_fallbacks.empty());
  REQUIRE(c.deployments.size() == 3);
  const auto& o = c.deployments[0];
  CHECK(o.id == "openai-gpt4o");
  CHECK(o.api_key == "sk-o");
  CHECK(o.rpm == 500);
  CHECK(o.tpm == 200000);
  CHECK(o.weight == 1.0);
  CHECK(o.timeout == Millis(20000));
  CHECK(o.price->input == 2.5);
  CHECK(o.headers.at(0).second == "org-1");
  CHECK(o.line == 42);
  const auto& a = c.deployments[1];
  CHECK(a.id == "anthropic/claude-sonnet-4-6");
  CHECK(a.api_base == "https://api.anthropic.com");
  CHECK(a.api_key == "sk-a");
  CHECK(c.deployments[2].missing_env == "GEMINI_API_KEY");
  CHECK_FALSE(c.cache.enabled);
  CHECK(c.cache.ttl == Millis(600000));
  CHECK(c.usage.log == "detour-usage.jsonl");
}

}  // namespace
}  // namespace detour
