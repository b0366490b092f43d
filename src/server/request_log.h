// The request log of `serve` (SPEC 5): one info line per request (group, deployment,
// status, attempts, ms, tokens, cost) and one warn line per failed attempt. Never a
// prompt, never a secret (the logger redacts registered secrets as a last guard).
#pragma once

#include <string>

#include "core/router.h"

namespace detour {

void LogFailedAttempt(const std::string& group, const AttemptRecord& a);
void LogRequest(const std::string& group, int status, const RouteInfo& route, TimePoint started,
                bool stream);
void LogFailedRequest(const std::string& group, int status, const RouteFailure& f, TimePoint started,
                      bool stream);
// "0.000123": dollars as detour prints them (logs, x-detour-cost-usd).
std::string FormatUsd(double usd);
// A RouteOptions whose listener logs failed attempts.
RouteOptions LoggingRouteOptions(const std::string& group, const CancelFlag* cancel = nullptr);

}  // namespace detour
