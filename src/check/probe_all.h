// The probe half of `detour check` (SPEC 1.3): every deployment once, all in parallel
// (one thread each, so the whole run takes about as long as the slowest probe), each
// through its provider's Probe and bounded by `timeout`. Deployments whose key variable
// is unset are not contacted: they are reported as skipped.
// Blocking; thread-safe as long as `http` and `clock` are (the production ones are).
#pragma once

#include <vector>

#include "check/finding.h"
#include "config/config.h"
#include "model/clock.h"

namespace detour {
namespace net {
class HttpClient;
}

namespace check {

// One result per deployment, in the order given. Messages are passed through the log
// redactor, so a registered secret cannot reach the report even if an upstream echoes it.
std::vector<ProbeResult> ProbeAll(const std::vector<DeploymentConfig>& deployments,
                                  Millis timeout, net::HttpClient& http, Clock& clock);

// From the probes and the fallback map: per group, healthy when one of its own
// deployments answered, degraded when only a group reached through its fallbacks (at any
// depth) has one that answered, down otherwise.
std::vector<GroupVerdict> Verdicts(const Config& config, const std::vector<std::string>& groups,
                                   const std::vector<ProbeResult>& probes);

}  // namespace check
}  // namespace detour
