#include "core/retry_policy.h"

#include <algorithm>

namespace detour {

bool IsRetryable(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kTimeout:
    case ErrorKind::kConnection:
    case ErrorKind::kRateLimit:
    case ErrorKind::kServerError:
      return true;
    default:
      return false;
  }
}

RetryPolicy::RetryPolicy(const RouterConfig& cfg)
    : base_(cfg.backoff.base), max_(cfg.backoff.max), max_retry_after_(cfg.max_retry_after) {
  for (int i = 0; i < kErrorKindCount; ++i) {
    auto kind = static_cast<ErrorKind>(i);
    if (cfg.retry_policy[i])
      budget_[i] = *cfg.retry_policy[i];
    else
      budget_[i] = IsRetryable(kind) ? cfg.num_retries : 0;
  }
  // Never retried whatever the config says: the caller's own error, or the caller left.
  budget_[static_cast<int>(ErrorKind::kCanceled)] = 0;
  budget_[static_cast<int>(ErrorKind::kBadRequest)] = 0;
}

int RetryPolicy::Budget(ErrorKind kind, std::optional<int> request_num_retries) const {
  int b = budget_[static_cast<int>(kind)];
  if (request_num_retries) b = std::min(b, std::max(0, *request_num_retries));
  return b;
}

Millis RetryPolicy::Backoff(int retry_index, Rng& rng) const {
  int64_t cap = base_.count();
  for (int i = 0; i < retry_index && cap < max_.count(); ++i) cap *= 2;
  cap = std::min<int64_t>(cap, max_.count());
  if (cap <= 0) return Millis(0);
  std::uniform_int_distribution<int64_t> dist(0, cap);
  return Millis(dist(rng));
}

}  // namespace detour
