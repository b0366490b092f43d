// The config lint of `detour check` (SPEC 1.3), over what the lenient load produced
// (config/load.h LoadConfig*ForLint). Pure: no I/O, no environment, no clock.
//
// Rules (explain.h holds the reasoning behind each):
//   errors:   unknown-key, invalid-value (any other validation issue), missing-env,
//             fallback-cycle, unknown-fallback
//   warnings: same-provider-fallback, no-fallback, no-timeout, no-price
//   info:     expensive-fallback (a fallback group priced over 2x its primary)
// Decisions, precisely:
// - A deployment's "provider" for same-provider-fallback is its provider name, except
//   openai-compatible and azure, where it is the name plus the api_base host (two
//   different self-hosted servers, or two Azure resources, do not fail together).
//   The warning fires when a group has fallbacks and every deployment of every fallback
//   group is on a provider the group itself uses.
// - no-fallback fires for a group with no router.fallbacks entry that is not itself a
//   fallback of another group (the end of a chain is a backup, not a lonely primary).
// - no-timeout fires per deployment with no `timeout` of its own while neither
//   router.timeout nor router.request_timeout is written in the file (the built-in 30 s /
//   120 s still apply, but nobody chose them).
// - A group's price is the mean of input + output over its priced deployments;
//   expensive-fallback compares a fallback's with its primary's when both are known.
#pragma once

#include <string>
#include <vector>

#include "check/finding.h"
#include "config/load.h"

namespace detour::check {

// Findings in file order (unknown lines last). `groups` limits group- and
// deployment-scoped rules to those groups (empty = all); file-wide validation issues are
// always reported.
std::vector<Finding> Lint(const LintableConfig& loaded, const std::vector<std::string>& groups);

}  // namespace detour::check
