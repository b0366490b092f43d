// Helpers for the LiteLLM tests: load YAML text as "c.yaml" through the public loader.
#pragma once

#include "config/litellm.h"
#include "config_test_util.h"

namespace detour::litellm_test {

inline Config LoadYaml(const std::string& text, const EnvLookup& env = config_test::FakeEnv()) {
  auto r = LoadConfigText(text, "c.yaml", env);
  if (!r.ok()) FAIL_CHECK("unexpected issues: " << config_test::IssueStrings(r.error()).front());
  REQUIRE(r.ok());
  return std::move(r.value());
}

inline std::vector<std::string> YamlIssues(const std::string& text,
                                           const EnvLookup& env = config_test::FakeEnv()) {
  auto r = LoadConfigText(text, "c.yaml", env);
  REQUIRE_FALSE(r.ok());
  return config_test::IssueStrings(r.error());
}

}  // namespace detour::litellm_test
