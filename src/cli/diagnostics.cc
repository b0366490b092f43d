#include "cli/diagnostics.h"

#include <cstdio>
#include <iostream>

#include "util/log.h"

namespace detour {
namespace {

std::string Seconds(Millis ms) {
  char buf[32];
  if (ms.count() < 1000)
    std::snprintf(buf, sizeof buf, "%lld ms", static_cast<long long>(ms.count()));
  else
    std::snprintf(buf, sizeof buf, "%.1f s", ms.count() / 1000.0);
  return buf;
}

}  // namespace

void PrintError(const std::string& message) {
  std::cerr << "detour: error: " << log::Redact(message) << "\n";
}

int ReportConfigErrors(const ConfigErrors& errors) {
  for (const auto& issue : errors.issues) PrintError(issue.ToString());
  if (errors.issues.empty()) PrintError("the config could not be loaded");
  return kExitUsage;
}

std::string FormatAttempt(const AttemptRecord& a) {
  std::string s = "attempt " + std::to_string(a.number) + " " + a.provider_model + ": ";
  if (a.ok) {
    s += "ok";
    if (a.first_token) s += ", first token " + Seconds(*a.first_token);
    s += ", " + Seconds(a.elapsed);
    s += ", " + std::to_string(a.usage.total()) + " tokens";
    if (a.cost_usd > 0) {
      char buf[32];
      std::snprintf(buf, sizeof buf, ", $%.4f", a.cost_usd);
      s += buf;
    }
    return s;
  }
  if (a.skipped)
    return s + "skipped before sending: the prompt (about " + std::to_string(a.estimate_tokens) +
           " tokens) does not fit its context window (" + std::to_string(a.context_window) + ")";
  if (a.hedge_lost) return s + "hedge_lost after " + Seconds(a.elapsed) + " (" + a.message.substr(12) + ")";
  if (a.status) s += std::to_string(a.status) + " ";
  s += std::string(KindName(a.kind)) + " after " + Seconds(a.elapsed);
  if (!a.message.empty()) s += " (" + a.message + ")";
  if (a.retry_in) {
    char buf[48];
    double secs = a.retry_in->count() / 1000.0;
    std::snprintf(buf, sizeof buf, secs < 1 ? "; retrying in %.2f s" : "; retrying in %.1f s", secs);
    s += buf;
  } else if (a.falls_back) {
    s += "; moving on";
  }
  return log::Redact(s);
}

void PrintRouteFailure(const RouteFailure& f, const std::string& model) {
  if (f.unknown_model) {
    PrintError(f.error.message);
    return;
  }
  if (f.committed) {
    PrintError("the answer from \"" + model + "\" was cut off: " + f.error.message);
  } else if (f.attempts.empty()) {
    PrintError(f.error.message);
  } else {
    PrintError("every attempt for \"" + model + "\" failed (" + std::to_string(f.attempts.size()) +
               " attempts):");
  }
  for (const auto& a : f.attempts) std::cerr << "  " << FormatAttempt(a) << "\n";
}

}  // namespace detour
