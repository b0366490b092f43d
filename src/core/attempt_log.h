// What one upstream attempt did: the unit of `chat -v`, of error bodies and of metrics.
#pragma once

#include <optional>
#include <string>

#include "model/clock.h"
#include "model/error.h"
#include "model/types.h"

namespace detour {

struct AttemptRecord {
  int number = 0;               // 1-based within the request
  std::string deployment;       // deployment id
  std::string group;            // group it was tried for
  std::string provider_model;   // "openai/gpt-4o", for people
  bool ok = false;
  ErrorKind kind = ErrorKind::kServerError;  // meaningful when !ok
  int status = 0;               // upstream status, 0 if none
  std::string message;          // upstream or transport message; never a secret
  Millis elapsed{0};
  WallTime started{};                 // calendar time the attempt began (record, traces)
  std::optional<Millis> first_token;  // streams that produced a token
  std::optional<double> retry_after_s;  // the wait the upstream asked for, if any
  std::optional<Millis> retry_in;     // set when the router will wait and retry
  bool falls_back = false;            // the router moves to another group next
  Usage usage;                        // for successful attempts
  double cost_usd = 0;
  // Skipped before any upstream request (SPEC 9): kind is context_window, the prompt's
  // estimated tokens did not fit the deployment's window. Not an upstream attempt.
  bool skipped = false;
  bool hedge = false;       // this attempt was the hedge of a slow first token (SPEC 9)
  bool hedge_lost = false;  // cancelled: the other attempt of the race answered first
  int64_t estimate_tokens = 0;        // when skipped
  int64_t context_window = 0;         // when skipped
};

}  // namespace detour
