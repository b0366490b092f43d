// The request observer of one bench arm: turns each RequestReport into a Sample in trace
// time (start = end - total, relative to the trace's start). Thread-safe; OnRequestEnd
// only appends under a mutex (observers must not block).
#pragma once

#include <mutex>
#include <vector>

#include "bench/report.h"
#include "core/request_observer.h"
#include "model/clock.h"

namespace detour::bench {

class BenchObserver final : public RequestObserver {
 public:
  BenchObserver(Clock& clock, TimePoint origin) : clock_(clock), origin_(origin) {}
  void OnRequestEnd(const RequestReport& report) override;
  std::vector<Sample> Samples() const;

  // What a report counts as (exposed for tests).
  static Sample FromReport(const RequestReport& report, Millis end);

 private:
  Clock& clock_;
  TimePoint origin_;
  mutable std::mutex mu_;
  std::vector<Sample> samples_;
};

}  // namespace detour::bench
