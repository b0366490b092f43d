#include "check/finding.h"

#include <algorithm>

namespace detour::check {

const char* SeverityName(Severity s) {
  switch (s) {
    case Severity::kError: return "error";
    case Severity::kWarning: return "warning";
    case Severity::kInfo: return "info";
  }
  return "info";
}

const char* ProbeStatusName(ProbeStatus s) {
  switch (s) {
    case ProbeStatus::kOk: return "ok";
    case ProbeStatus::kFailed: return "failed";
    case ProbeStatus::kSkipped: return "skipped";
  }
  return "skipped";
}

const char* VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kPrimary: return "healthy";
    case Verdict::kFallbacksOnly: return "degraded";
    case Verdict::kDown: return "down";
  }
  return "down";
}

bool HasLintError(const CheckReport& r) {
  return std::any_of(r.findings.begin(), r.findings.end(),
                     [](const Finding& f) { return f.severity == Severity::kError; });
}

int ExitCode(const CheckReport& r, bool allow_degraded) {
  if (HasLintError(r)) return 1;
  if (r.offline) return 0;
  bool all_ok = std::all_of(r.probes.begin(), r.probes.end(),
                            [](const ProbeResult& p) { return p.status == ProbeStatus::kOk; });
  if (all_ok) return 0;
  if (!allow_degraded) return 1;
  bool servable = std::all_of(r.verdicts.begin(), r.verdicts.end(),
                              [](const GroupVerdict& v) { return v.verdict != Verdict::kDown; });
  return servable ? 0 : 1;
}

}  // namespace detour::check
