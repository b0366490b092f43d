// The three arms of `detour bench` (SPEC 1.4) as configs over the simulator, and which
// model group the trace's traffic asks for.
//
// Every arm keeps the user's deployments (ids, models, timeouts, prices) but points each
// one at the simulated provider of its protocol: openai and openai-compatible -> the
// OpenAI simulator, azure -> Azure, anthropic -> Anthropic, gemini -> Gemini, and vertex
// -> Gemini (gemini-* models) or Anthropic (claude-* models), with a note. Keys and extra
// headers are replaced by a placeholder: nothing the user configured is ever sent, and the
// simulator is loopback only. The response cache, usage log and [record] are off.
//   direct:  each group reduced to its first deployment; no retries, no fallbacks, no
//            cooldowns, no stream repair, no rpm/tpm (an app calling one provider's SDK).
//   retries: the same deployment with the config's retry policy (and backoff,
//            max_retry_after, request_timeout), still no fallbacks, cooldowns or repair.
//   detour:  the whole config.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/trace.h"

namespace detour::bench {

enum class Arm { kDirect = 0, kRetries = 1, kDetour = 2 };

// The simulator's base URL for (protocol, deployment id): Simulator::BaseUrl.
using BaseUrlFn = std::function<std::string(const std::string& protocol, const std::string& deployment)>;

// The protocol the simulator serves a deployment with (see above).
std::string SimProtocol(const DeploymentConfig& d);

// `user` rewritten for `arm`. Notes (e.g. vertex served as gemini) are appended once per
// deployment when `notes` is given.
Config ArmConfig(const Config& user, Arm arm, const BaseUrlFn& base_url, std::vector<std::string>* notes);

// The group the trace's traffic asks for: `asked` when set; else the first group (the
// default group first, then config order) whose first deployment one of the trace's
// faults targets, so `direct` shows the incident; else the default group.
std::string TrafficGroup(const Config& config, const Trace& trace, const std::string& asked);

// Whether `fault` applies to deployment `d` (provider:NAME matches the simulated protocol).
bool FaultTargets(const TraceFault& fault, const DeploymentConfig& d);

}  // namespace detour::bench
