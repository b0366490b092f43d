#include "bench/observer.h"

#include <algorithm>
#include <string>

#include "model/error.h"

namespace detour::bench {

Sample BenchObserver::FromReport(const RequestReport& r, Millis end) {
  Sample s;
  s.total = r.total;
  s.start = std::max(Millis(0), end - r.total);
  s.first_token = r.first_token;
  // A stream that failed after commit reached the caller as a 200 with an error event:
  // an error all the same.
  s.ok = r.ok && !r.committed_failure;
  s.stream = r.stream;
  s.attempts = static_cast<int>(r.attempts.size());
  s.fell_back = s.ok && !r.group.empty() && r.group != r.requested;
  s.cost_usd = r.cost_usd;
  if (!s.ok) s.error_kind = r.error ? std::string(KindName(r.error->kind)) : "stream_cut";
  return s;
}

void BenchObserver::OnRequestEnd(const RequestReport& report) {
  Millis end = std::chrono::duration_cast<Millis>(clock_.Now() - origin_);
  Sample s = FromReport(report, end);
  std::lock_guard<std::mutex> lock(mu_);
  samples_.push_back(s);
}

std::vector<Sample> BenchObserver::Samples() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Sample> out = samples_;
  std::sort(out.begin(), out.end(), [](const Sample& a, const Sample& b) { return a.start < b.start; });
  return out;
}

}  // namespace detour::bench
