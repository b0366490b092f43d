// The one place where errors meet stderr and become exit codes (SPEC 1).
#pragma once

#include <string>
#include <vector>

#include "config/load.h"
#include "core/router.h"

namespace detour {

enum ExitCode { kExitOk = 0, kExitFailed = 1, kExitUsage = 2, kExitInterrupted = 130 };

// "detour: error: <message>" on stderr.
void PrintError(const std::string& message);
// Every config problem, one per line, then a hint. Returns kExitUsage.
int ReportConfigErrors(const ConfigErrors& errors);
// `attempt 1 openai/gpt-4o: 503 server_error after 212 ms; retrying in 0.4 s`
std::string FormatAttempt(const AttemptRecord& a);
// The walk failed: summary line plus one line per attempt.
void PrintRouteFailure(const RouteFailure& f, const std::string& model);

}  // namespace detour
