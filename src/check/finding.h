// What `detour check` found (SPEC 1.3): lint findings, probe results and per-group
// verdicts, gathered into one CheckReport that every output format renders. Plain data.
// Nothing in here may hold a secret: messages come from config issues, rule texts and
// the providers' classified (already redacted) messages.
#pragma once

#include <string>
#include <vector>

#include "model/types.h"

namespace detour::check {

enum class Severity { kError, kWarning, kInfo };
const char* SeverityName(Severity s);  // "error" | "warning" | "info"

struct Finding {
  Severity severity = Severity::kWarning;
  std::string rule;      // "unknown-key", "same-provider-fallback", ... (see explain.h)
  std::string key_path;  // "router.fallbacks.primary[0]", "deployments[2].price"
  std::string file;      // config file; empty for the embedded default
  int line = 0;          // 0 when unknown
  std::string message;   // one line: what is wrong
  std::string fix;       // one line: what to do
};

enum class ProbeStatus { kOk, kFailed, kSkipped };
const char* ProbeStatusName(ProbeStatus s);  // "ok" | "failed" | "skipped"

struct ProbeResult {
  std::string deployment;  // id
  std::string group;
  std::string provider;
  int line = 0;            // its [[deployments]] table
  ProbeStatus status = ProbeStatus::kSkipped;
  int http_status = 0;     // 0 when no answer arrived
  Millis latency{0};
  std::string kind;        // ErrorKind name when failed ("auth", "timeout"), else empty
  std::string message;     // provider's message, or why it was skipped
};

// Whether a group can still take requests, judged from the probes.
enum class Verdict { kPrimary, kFallbacksOnly, kDown };
const char* VerdictName(Verdict v);  // "healthy" | "degraded" | "down"

struct GroupVerdict {
  std::string group;
  Verdict verdict = Verdict::kDown;
  std::string served_by;  // the group that answers: itself, a fallback, or empty
};

struct CheckReport {
  std::string config_file;
  bool offline = false;
  std::vector<std::string> groups;  // the groups checked, in config order
  std::vector<Finding> findings;
  std::vector<ProbeResult> probes;  // empty when offline
  std::vector<GroupVerdict> verdicts;  // empty when offline
};

bool HasLintError(const CheckReport& r);

// SPEC 1.3 exit codes: 0 when no lint error and every probe answered; 1 otherwise. With
// allow_degraded a failed probe is tolerated while every group can still be served
// through its chain; lint errors still fail (a broken config is never "degraded").
int ExitCode(const CheckReport& r, bool allow_degraded);

}  // namespace detour::check
