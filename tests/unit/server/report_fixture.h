// Builders for the RequestReports the observer tests (usage log, OTLP, request log) feed
// their observer: one answered request after a failed attempt, with the fields each
// format reads. Test code only.
#pragma once

#include <string>

#include "core/request_observer.h"

namespace detour::report_fixture {

inline WallTime At(int64_t ms) { return WallTime(std::chrono::milliseconds(1796576584120 + ms)); }

struct AttemptSpec {
  int number = 1;
  std::string deployment;
  std::string provider_model;
  std::string group = "fast";
  int64_t started_ms = 0;
  int64_t elapsed_ms = 0;
};

inline AttemptRecord Attempt(const AttemptSpec& s) {
  AttemptRecord a;
  a.number = s.number;
  a.deployment = s.deployment;
  a.provider_model = s.provider_model;
  a.group = s.group;
  a.started = At(s.started_ms);
  a.elapsed = Millis(s.elapsed_ms);
  return a;
}

inline AttemptRecord Failed(const AttemptSpec& s, ErrorKind kind, int status) {
  AttemptRecord a = Attempt(s);
  a.kind = kind;
  a.status = status;
  return a;
}

inline AttemptRecord Succeeded(const AttemptSpec& s) {
  AttemptRecord a = Attempt(s);
  a.ok = true;
  return a;
}

// Request req_00000000000000ab of team "search" for group "fast", answered (200) by
// `deployment` of `group` after `attempts`, with 12 + 30 tokens.
inline RequestReport Answered(const std::string& deployment, const std::string& group, int64_t total_ms,
                              std::vector<AttemptRecord> attempts, double cost_usd) {
  RequestReport r;
  r.id = "req_00000000000000ab";
  r.started = At(0);
  r.total = Millis(total_ms);
  r.team = "search";
  r.requested = "fast";
  r.ok = true;
  r.status = 200;
  r.deployment = deployment;
  r.group = group;
  r.attempts = std::move(attempts);
  r.usage = {12, 30};
  r.cost_usd = cost_usd;
  return r;
}

}  // namespace detour::report_fixture
