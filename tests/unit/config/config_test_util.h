// Helpers for the config tests: a fake environment and short ways to load text.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "config/load.h"

// Issue lists print one per line when a CHECK fails.
template <>
struct doctest::StringMaker<std::vector<std::string>> {
  static doctest::String convert(const std::vector<std::string>& v) {
    std::string s = "{";
    for (const auto& x : v) s += "\n  " + x;
    return (s + "\n}").c_str();
  }
};

namespace detour::config_test {

inline EnvLookup FakeEnv(std::map<std::string, std::string> vars = {}) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

inline std::vector<std::string> IssueStrings(const ConfigErrors& errors) {
  std::vector<std::string> out;
  for (const auto& i : errors.issues) out.push_back(i.ToString());
  return out;
}

// Loads text that must fail and returns the issues as "file:line: path: message".
inline std::vector<std::string> LoadIssues(const std::string& text,
                                           const EnvLookup& env = FakeEnv()) {
  auto r = LoadConfigText(text, "t.toml", env);
  REQUIRE_FALSE(r.ok());
  return IssueStrings(r.error());
}

// Loads text that must succeed.
inline Config LoadOk(const std::string& text, const EnvLookup& env = FakeEnv()) {
  auto r = LoadConfigText(text, "t.toml", env);
  if (!r.ok())
    for (const auto& s : IssueStrings(r.error())) INFO(s);
  if (!r.ok()) FAIL_CHECK("unexpected issues: " << IssueStrings(r.error()).front());
  REQUIRE(r.ok());
  return std::move(r.value());
}

}  // namespace detour::config_test
