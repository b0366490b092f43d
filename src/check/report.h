// The output formats of `detour check` (SPEC 1.3). Each renders a whole CheckReport to a
// string; the caller writes it to stdout or -o FILE. Pure functions. Every text field is
// redacted again (log::Redact) on its way out: no registered secret can be printed.
#pragma once

#include <string>

#include "check/finding.h"

namespace detour::check {

// One row per deployment (DEPLOYMENT GROUP PROVIDER STATUS LATENCY DETAIL), the group
// verdicts, then the findings. ANSI colour only when `colour`.
std::string RenderTable(const CheckReport& r, bool colour);

// {"config", "offline", "deployments": [...], "groups": [...], "findings": [...]}.
std::string RenderJson(const CheckReport& r);

// JUnit XML: one testsuite per group (one testcase per deployment: failed probe =
// <failure>, skipped = <skipped>), plus a "lint" testsuite whose error findings are
// failures (warnings and info go to its system-out).
std::string RenderJunit(const CheckReport& r);

// GitHub Actions workflow commands: ::error/::warning/::notice per finding (with
// file and line), ::error per failed probe, then one plain line per group verdict.
std::string RenderGithub(const CheckReport& r);

// "1.2s", "340ms"; "-" for zero.
std::string FormatLatency(Millis ms);

}  // namespace detour::check
