// `detour check --explain RULE`: why each lint rule exists, in a few lines a person can
// act on (the seed article's reasoning, SPEC 1.3).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace detour::check {

std::vector<std::string> RuleNames();
// nullopt for an unknown rule.
std::optional<std::string> ExplainRule(const std::string& rule);

}  // namespace detour::check
