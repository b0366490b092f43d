#include "core/cooldown.h"

#include <algorithm>

namespace detour {
namespace {

bool Counts(ErrorKind k) {
  switch (k) {
    case ErrorKind::kTimeout:
    case ErrorKind::kConnection:
    case ErrorKind::kServerError:
      return true;
    default:
      return false;
  }
}

bool OpensAtOnce(ErrorKind k) {
  return k == ErrorKind::kRateLimit || k == ErrorKind::kAuth || k == ErrorKind::kNotFound;
}

void Open(CircuitState& s, TimePoint now, Millis length) {
  s.open_until = now + length;
  s.half_open_probe_taken = false;
  s.probe_not_before.reset();
  s.recent_failures.clear();
}

// The provider said when to come back: open until then, probes included, no doubling.
void OpenForRetryAfter(CircuitState& s, TimePoint now, double retry_after_s) {
  Open(s, now, Millis(static_cast<int64_t>(retry_after_s * 1000.0 + 0.5)));
  s.probe_not_before = s.open_until;
}

}  // namespace

Admission Admit(CircuitState& s, TimePoint now) {
  if (!s.open_until) return Admission::kOpen;
  if (now < *s.open_until) return Admission::kCooling;
  if (s.half_open_probe_taken) return Admission::kCooling;
  s.half_open_probe_taken = true;
  return Admission::kProbe;
}

bool IsCooling(const CircuitState& s, TimePoint now) {
  return s.open_until && (now < *s.open_until || s.half_open_probe_taken);
}

bool ProbeAllowed(const CircuitState& s, TimePoint now) {
  return !s.probe_not_before || now >= *s.probe_not_before;
}

void ReleaseProbe(CircuitState& s) { s.half_open_probe_taken = false; }

void RecordSuccess(CircuitState& s) {
  s.open_until.reset();
  s.half_open_probe_taken = false;
  s.reopened_from_probe = false;
  s.multiplier = 1;
  s.recent_failures.clear();
  s.probe_not_before.reset();
}

bool RecordFailure(CircuitState& s, const CooldownPolicy& p, ErrorKind kind,
                   std::optional<double> retry_after_s, TimePoint now) {
  bool probing = s.open_until && s.half_open_probe_taken;
  if (kind == ErrorKind::kRateLimit && retry_after_s && *retry_after_s > 0) {
    // Also when it answers a half-open probe: doubling the cooldown here would outlast the
    // wait the provider asked for and cut the walk's rate-limit retries short.
    OpenForRetryAfter(s, now, *retry_after_s);
    return true;
  }
  if (probing && (Counts(kind) || OpensAtOnce(kind))) {
    // The half-open probe failed: reopen for longer.
    s.multiplier = std::min(s.multiplier * 2, CooldownPolicy::kMaxMultiplier);
    Open(s, now, p.cooldown * s.multiplier);
    s.reopened_from_probe = true;
    return true;
  }
  if (probing) {
    // The probe got an answer that says nothing bad about the deployment (the caller's
    // 400, a policy refusal): it is healthy. A canceled probe just frees the slot.
    if (kind == ErrorKind::kCanceled || kind == ErrorKind::kUnavailable)
      s.half_open_probe_taken = false;
    else
      RecordSuccess(s);
    return false;
  }
  if (kind == ErrorKind::kRateLimit) {
    Open(s, now, p.cooldown);
    return true;
  }
  if (OpensAtOnce(kind)) {
    Open(s, now, p.cooldown * s.multiplier);
    return true;
  }
  if (!Counts(kind)) return false;
  while (!s.recent_failures.empty() && now - s.recent_failures.front() > p.window)
    s.recent_failures.pop_front();
  s.recent_failures.push_back(now);
  if (static_cast<int>(s.recent_failures.size()) > p.allowed_fails) {
    Open(s, now, p.cooldown * s.multiplier);
    return true;
  }
  return false;
}

}  // namespace detour
