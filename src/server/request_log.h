// The request log of `serve` (SPEC 5), as a RequestObserver of the router: one info line
// per request (id, group, status, deployment, attempts, ms, tokens, cost, cache=hit,
// error kind, team) and one warn line per failed attempt (SPEC 8 levels). Never a prompt, never a secret (the logger redacts registered
// secrets as a last guard).
#pragma once

#include <string>

#include "core/request_observer.h"

namespace detour {

class RequestLog final : public RequestObserver {
 public:
  void OnAttempt(const AttemptRecord& a) override;
  void OnRequestEnd(const RequestReport& r) override;
};

// "0.000123": dollars as detour prints them (logs, x-detour-cost-usd).
std::string FormatUsd(double usd);

}  // namespace detour
