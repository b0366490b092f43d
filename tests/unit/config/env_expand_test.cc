#include <doctest/doctest.h>

#include "config/env_expand.h"
#include "config_test_util.h"

namespace detour {
namespace {

using config_test::FakeEnv;

TEST_CASE("ExpandEnv replaces ${VAR} anywhere in a string") {
  auto env = FakeEnv({{"HOST", "example.com"}, {"PORT", "8080"}});
  auto e = ExpandEnv("https://${HOST}:${PORT}/v1", env);
  CHECK(e.value == "https://example.com:8080/v1");
  CHECK(e.missing.empty());
  CHECK(e.malformed.empty());
  CHECK(ExpandEnv("no references", env).value == "no references");
  CHECK(ExpandEnv("$HOST and $ alone", env).value == "$HOST and $ alone");
}

TEST_CASE("ExpandEnv uses the default when the variable is unset or empty") {
  auto env = FakeEnv({{"EMPTY", ""}, {"SET", "x"}});
  CHECK(ExpandEnv("${NOPE:-fallback}", env).value == "fallback");
  CHECK(ExpandEnv("${EMPTY:-fallback}", env).value == "fallback");
  CHECK(ExpandEnv("${SET:-fallback}", env).value == "x");
  CHECK(ExpandEnv("${NOPE:-}", env).value == "");
  CHECK(ExpandEnv("${NOPE:-}", env).missing.empty());
}

TEST_CASE("ExpandEnv reports unset variables without a default") {
  auto e = ExpandEnv("a${ONE}b${TWO}c", FakeEnv({{"TWO", ""}}));
  CHECK(e.value == "abc");
  CHECK(e.missing == std::vector<std::string>{"ONE", "TWO"});
}

TEST_CASE("ExpandEnv accepts LiteLLM's os.environ/VAR as a whole string") {
  auto env = FakeEnv({{"OPENAI_API_KEY", "sk-1"}});
  CHECK(ExpandEnv("os.environ/OPENAI_API_KEY", env).value == "sk-1");
  auto e = ExpandEnv("os.environ/UNSET_KEY", env);
  CHECK(e.value == "");
  CHECK(e.missing == std::vector<std::string>{"UNSET_KEY"});
}

TEST_CASE("ExpandEnv flags malformed references without echoing the text") {
  auto e = ExpandEnv("sk-${secret-value}", FakeEnv());
  CHECK(e.malformed.find("malformed environment reference") == 0);
  CHECK(e.malformed.find("secret") == std::string::npos);
  CHECK(ExpandEnv("${UNTERMINATED", FakeEnv()).malformed.find("unterminated") == 0);
  CHECK_FALSE(ExpandEnv("${}", FakeEnv()).malformed.empty());
  CHECK_FALSE(ExpandEnv("os.environ/", FakeEnv()).malformed.empty());
}

}  // namespace
}  // namespace detour
