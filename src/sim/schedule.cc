#include "sim/schedule.h"

#include <algorithm>
#include <cmath>

#include "util/random.h"

namespace detour::sim {
namespace {

uint64_t Hash(const std::string& s) {  // FNV-1a: stable across runs and platforms
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

double Normal(Rng& rng) {  // Box-Muller
  double u1 = std::max(rng.Unit(), 1e-12), u2 = rng.Unit();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2 * M_PI * u2);
}

constexpr double kSigma = 0.35;  // first-token spread: p99 about 2.3x the median

bool Active(const TraceFault& f, Millis at) { return at >= f.from && at < f.to; }

}  // namespace

bool IsErrorAnswer(FaultKind k) {
  return k == FaultKind::kHttpError || k == FaultKind::kRateLimit ||
         k == FaultKind::kContextWindow || k == FaultKind::kContentPolicy;
}

std::string Key(const RequestFacts& r) {
  return r.deployment.empty() ? r.protocol : "d:" + r.deployment;
}

bool Matches(const FaultTarget& t, const RequestFacts& r) {
  switch (t.kind) {
    case FaultTarget::Kind::kAll: return true;
    case FaultTarget::Kind::kProvider: return t.name == r.protocol;
    case FaultTarget::Kind::kDeployment: return t.name == r.deployment;
    case FaultTarget::Kind::kModel: return t.name == r.model;
  }
  return false;
}

Decision Decide(const Trace& trace, uint64_t seed, const RequestFacts& r) {
  Rng rng(Rng::Mix(seed ^ Hash(Key(r))) ^ Rng::Mix(r.ordinal + 1));
  Decision d;
  double median = static_cast<double>(trace.baseline.first_token.count());
  double first = median * std::exp(kSigma * Normal(rng));
  double per_token = 1000.0 / trace.baseline.tokens_per_second;
  bool in_window = false;
  for (const TraceFault& f : trace.faults) {
    if (!Matches(f.target, r) || !Active(f, r.at)) {
      rng();  // one draw per fault whatever happens, so schedules do not shift
      continue;
    }
    in_window = true;
    double u = rng.Unit();
    if (!d.fault && u < f.rate) d.fault = f;
  }
  double u = rng.Unit();
  if (!d.fault && !in_window && u < trace.baseline.error_rate) {
    TraceFault e;
    e.kind = FaultKind::kHttpError;
    e.status = 500;
    d.fault = e;
    d.baseline_error = true;
  }
  if (d.fault && IsErrorAnswer(d.fault->kind)) first /= 4;  // errors come back fast
  if (d.fault && d.fault->kind == FaultKind::kSlow) {
    first *= d.fault->factor;
    per_token *= d.fault->factor;
  }
  d.first_token = Millis(static_cast<int64_t>(std::llround(first)));
  d.per_token_ms = per_token;
  d.per_token = Millis(static_cast<int64_t>(std::llround(per_token)));
  return d;
}

std::optional<Decision> Replay(const Trace& trace, const RequestFacts& r, int completion_tokens) {
  const RecordedAttempt* best = nullptr;
  for (int pass = 0; pass < 2 && !best; ++pass) {
    for (const RecordedAttempt& a : trace.recorded) {
      bool same = pass == 0 ? (!r.deployment.empty() && a.deployment == r.deployment)
                            : (r.deployment.empty() && !r.model.empty() && a.model == r.model);
      if (!same || a.at > r.at) continue;
      if (!best || a.at >= best->at) best = &a;
    }
  }
  if (!best) return std::nullopt;
  Decision d;
  Millis first = best->first_token.value_or(best->total);
  d.first_token = first;
  double rest = static_cast<double>((best->total - first).count());
  d.per_token_ms = completion_tokens > 1 ? std::max(0.0, rest / (completion_tokens - 1)) : 0;
  d.per_token = Millis(static_cast<int64_t>(d.per_token_ms));
  if (best->kind == "ok" || best->kind == "canceled") return d;
  TraceFault f;
  f.kind = FaultKind::kHttpError;
  f.status = best->status ? best->status : 500;
  if (best->kind == "rate_limit") {
    f.kind = FaultKind::kRateLimit;
    f.status = 429;
    f.retry_after = Millis(1000);
  } else if (best->kind == "timeout") {
    f.kind = FaultKind::kHang;
  } else if (best->kind == "connection") {
    f.kind = FaultKind::kReset;
  } else if (best->kind == "context_window") {
    f.kind = FaultKind::kContextWindow;
  } else if (best->kind == "content_policy") {
    f.kind = FaultKind::kContentPolicy;
  } else if (best->status < 400) {  // an error kind with no usable status
    f.status = best->kind == "auth" ? 401 : best->kind == "not_found" ? 404
               : best->kind == "bad_request" ? 400 : 500;
  }
  // An error answers after the recorded total.
  d.first_token = best->total;
  d.fault = f;
  return d;
}

}  // namespace detour::sim
