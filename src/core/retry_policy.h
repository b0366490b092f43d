// How many times and how long to wait (SPEC 2 retry_policy/backoff, 3.2 step 2).
// Budgets are per error kind and per group within one request: an explicit
// [router.retry_policy] entry, else `num_retries` for the retryable kinds (timeout,
// connection, rate_limit, server_error) and 0 for the rest. Immutable; thread-safe.
#pragma once

#include <array>
#include <optional>
#include <random>

#include "config/config.h"
#include "model/error.h"
#include "util/random.h"

namespace detour {

bool IsRetryable(ErrorKind kind);

class RetryPolicy {
 public:
  RetryPolicy() = default;
  explicit RetryPolicy(const RouterConfig& cfg);

  // Retries allowed for `kind`, narrowed by a request's num_retries override.
  int Budget(ErrorKind kind, std::optional<int> request_num_retries) const;
  // Full jitter: random(0, min(max, base * 2^retry_index)).
  Millis Backoff(int retry_index, Rng& rng) const;
  Millis max_retry_after() const { return max_retry_after_; }

 private:
  std::array<int, kErrorKindCount> budget_{};
  Millis base_{250}, max_{8000}, max_retry_after_{10000};
};

}  // namespace detour
