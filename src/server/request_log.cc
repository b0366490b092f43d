#include "server/request_log.h"

#include <cstdio>

#include "util/log.h"

namespace detour {
namespace {

std::string Format(const char* fmt, double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

}  // namespace

void RequestLog::OnAttempt(const AttemptRecord& a) {
  if (a.skipped) {
    if (log::Enabled(log::Level::kInfo))
      log::Info("attempt skipped group=" + a.group + " deployment=" + a.deployment +
                " kind=context_window estimate_tokens=" + std::to_string(a.estimate_tokens) +
                " context_window=" + std::to_string(a.context_window));
    return;
  }
  if (a.hedge_lost) {
    if (log::Enabled(log::Level::kInfo))
      log::Info("attempt hedge_lost group=" + a.group + " deployment=" + a.deployment +
                " ms=" + std::to_string(a.elapsed.count()));
    return;
  }
  if (a.ok || !log::Enabled(log::Level::kWarn)) return;
  std::string line = "attempt failed group=" + a.group + " deployment=" + a.deployment +
                     " kind=" + std::string(KindName(a.kind)) + " status=" + std::to_string(a.status) +
                     " ms=" + std::to_string(a.elapsed.count());
  if (a.retry_in) line += " retry_in_ms=" + std::to_string(a.retry_in->count());
  else if (a.falls_back) line += " next=fallback";
  if (!a.message.empty()) line += " message=\"" + a.message + "\"";
  log::Warn(line);
}

void RequestLog::OnRequestEnd(const RequestReport& r) {
  if (!log::Enabled(log::Level::kInfo)) return;
  std::string line = std::string(r.stream ? "stream" : "request") + " id=" + r.id + " group=" + r.requested +
                     " status=" + std::to_string(r.status) +
                     " deployment=" + (r.deployment.empty() ? "-" : r.deployment) +
                     " attempts=" + std::to_string(r.attempts.size()) +
                     " ms=" + std::to_string(r.total.count());
  if (r.ok) line += " tokens=" + std::to_string(r.usage.total()) + " cost_usd=" + FormatUsd(r.cost_usd);
  if (r.cache_hit) line += " cache=hit";
  if (r.committed_failure) line += " error=stream_failed_after_commit";
  else if (!r.ok && r.error) line += " error=" + std::string(KindName(r.error->kind));
  if (r.replay.tried > 0) line += std::string(" replay=") + (r.replay.held ? "held" : "failed");
  line += " team=" + r.team;
  log::Info(line);
}

std::string FormatUsd(double usd) { return Format("%.6f", usd); }

}  // namespace detour
