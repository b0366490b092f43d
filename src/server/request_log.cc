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

void LogFailedAttempt(const std::string& group, const AttemptRecord& a) {
  if (a.ok || !log::Enabled(log::Level::kWarn)) return;
  std::string line = "attempt failed group=" + group + " deployment=" + a.deployment +
                     " kind=" + std::string(KindName(a.kind)) + " status=" + std::to_string(a.status) +
                     " ms=" + std::to_string(a.elapsed.count());
  if (a.retry_in) line += " retry_in_ms=" + std::to_string(a.retry_in->count());
  else if (a.falls_back) line += " next=fallback";
  if (!a.message.empty()) line += " message=\"" + a.message + "\"";
  log::Warn(line);
}

void LogRequest(const std::string& group, int status, const RouteInfo& route, TimePoint started,
                bool stream) {
  if (!log::Enabled(log::Level::kInfo)) return;
  double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - started).count();
  std::string line = std::string(stream ? "stream" : "request") + " group=" + group +
                     " status=" + std::to_string(status) +
                     " deployment=" + (route.deployment.empty() ? "-" : route.deployment) +
                     " attempts=" + std::to_string(route.attempts.size()) + " ms=" + Format("%.1f", ms);
  if (!route.attempts.empty() && route.attempts.back().ok) {
    const auto& u = route.attempts.back().usage;
    line += " tokens=" + std::to_string(u.total()) + " cost_usd=" + FormatUsd(route.cost_usd);
  }
  log::Info(line);
}

void LogFailedRequest(const std::string& group, int status, const RouteFailure& f, TimePoint started,
                      bool stream) {
  if (!log::Enabled(log::Level::kInfo)) return;
  RouteInfo failed;
  failed.attempts = f.attempts;
  LogRequest(group, status, failed, started, stream);
}

std::string FormatUsd(double usd) { return Format("%.6f", usd); }

RouteOptions LoggingRouteOptions(const std::string& group, const CancelFlag* cancel) {
  RouteOptions o;
  o.cancel = cancel;
  if (log::Enabled(log::Level::kWarn))
    o.on_attempt = [group](const AttemptRecord& a) { LogFailedAttempt(group, a); };
  return o;
}

}  // namespace detour
