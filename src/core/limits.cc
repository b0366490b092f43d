#include "core/limits.h"

#include <algorithm>

namespace detour {
namespace {

constexpr Millis kWindow{60000};

void Expire(LimitState& s, TimePoint now) {
  while (!s.starts.empty() && now - s.starts.front() >= kWindow) s.starts.pop_front();
  while (!s.tokens.empty() && now - s.tokens.front().first >= kWindow) {
    s.token_sum -= s.tokens.front().second;
    s.tokens.pop_front();
  }
}

}  // namespace

bool HasRoom(LimitState& s, const Limits& l, TimePoint now) {
  Expire(s, now);
  if (l.rpm && static_cast<int>(s.starts.size()) >= *l.rpm) return false;
  if (l.tpm && s.token_sum >= *l.tpm) return false;
  return true;
}

bool TryTakeSlot(LimitState& s, const Limits& l, TimePoint now) {
  if (!HasRoom(s, l, now)) return false;
  if (l.rpm) s.starts.push_back(now);
  return true;
}

void AddTokens(LimitState& s, const Limits& l, int64_t tokens, TimePoint now) {
  if (!l.tpm || tokens <= 0) return;
  s.tokens.emplace_back(now, tokens);
  s.token_sum += tokens;
}

Millis TimeUntilRoom(LimitState& s, const Limits& l, TimePoint now) {
  Expire(s, now);
  SteadyClock::duration wait{0};
  if (l.rpm && static_cast<int>(s.starts.size()) >= *l.rpm && !s.starts.empty())
    wait = std::max(wait, s.starts[s.starts.size() - *l.rpm] + kWindow - now);
  if (l.tpm && s.token_sum >= *l.tpm) {
    // Tokens free up oldest first; find when the sum drops below the limit.
    int64_t sum = s.token_sum;
    for (const auto& [at, n] : s.tokens) {
      sum -= n;
      if (sum < *l.tpm) {
        wait = std::max(wait, at + kWindow - now);
        break;
      }
    }
  }
  return std::chrono::ceil<Millis>(wait);
}

double UsageShare(LimitState& s, const Limits& l, TimePoint now) {
  Expire(s, now);
  double share = 0;
  if (l.rpm) share = std::max(share, static_cast<double>(s.starts.size()) / *l.rpm);
  if (l.tpm) share = std::max(share, static_cast<double>(s.token_sum) / *l.tpm);
  return share;
}

}  // namespace detour
