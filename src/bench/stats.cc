#include "bench/stats.h"

#include <algorithm>
#include <cmath>

namespace detour::bench {

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  double rank = std::ceil(std::clamp(p, 0.0, 1.0) * static_cast<double>(values.size()));
  size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return values[std::min(index, values.size() - 1)];
}

ArmStats Summarize(const std::vector<Sample>& samples) {
  ArmStats s;
  std::vector<double> latency, first_token;
  long attempts = 0;
  for (const auto& r : samples) {
    s.requests++;
    if (r.ok) s.succeeded++;
    else s.errors_by_kind[r.error_kind.empty() ? "unknown" : r.error_kind]++;
    if (r.fell_back) s.fallbacks++;
    attempts += r.attempts;
    s.cost_usd += r.cost_usd;
    latency.push_back(static_cast<double>(r.total.count()));
    if (r.first_token) first_token.push_back(static_cast<double>(r.first_token->count()));
  }
  s.errors = s.requests - s.succeeded;
  if (s.requests > 0) {
    s.error_rate = static_cast<double>(s.errors) / static_cast<double>(s.requests);
    s.attempts_per_request = static_cast<double>(attempts) / static_cast<double>(s.requests);
  }
  s.p50_latency_ms = Percentile(latency, 0.50);
  s.p95_latency_ms = Percentile(latency, 0.95);
  s.p99_latency_ms = Percentile(latency, 0.99);
  s.p50_first_token_ms = Percentile(first_token, 0.50);
  s.p99_first_token_ms = Percentile(first_token, 0.99);
  return s;
}

std::vector<Bucket> Timeline(const std::vector<Sample>& samples, Millis duration, Millis width) {
  if (width.count() <= 0) width = Millis(1000);
  size_t n = static_cast<size_t>(std::max<int64_t>(1, (duration.count() + width.count() - 1) / width.count()));
  std::vector<Bucket> buckets(n);
  std::vector<std::vector<double>> latency(n);
  for (size_t i = 0; i < n; i++) buckets[i].from = width * static_cast<int64_t>(i);
  for (const auto& r : samples) {
    int64_t at = std::max<int64_t>(0, r.start.count() / width.count());
    size_t i = std::min(static_cast<size_t>(at), n - 1);
    buckets[i].requests++;
    if (!r.ok) buckets[i].errors++;
    latency[i].push_back(static_cast<double>(r.total.count()));
  }
  for (size_t i = 0; i < n; i++) {
    auto& b = buckets[i];
    if (b.requests > 0) b.error_rate = static_cast<double>(b.errors) / static_cast<double>(b.requests);
    b.p99_latency_ms = Percentile(std::move(latency[i]), 0.99);
  }
  return buckets;
}

Millis BucketWidth(Millis duration) {
  int64_t w = duration.count() / 60;
  // Round to a whole second (at least one) so bucket edges read well.
  return Millis(std::max<int64_t>(1000, (w + 500) / 1000 * 1000));
}

}  // namespace detour::bench
