#include "model/clock.h"

#include <algorithm>

#include "util/fiber.h"

namespace detour {
namespace {

class RealClock final : public Clock {
 public:
  TimePoint Now() const override { return SteadyClock::now(); }
  WallTime WallNow() const override { return std::chrono::system_clock::now(); }
  TimePoint ToSteady(TimePoint t) const override { return t; }
  bool SleepUntil(TimePoint until, const CancelFlag* cancel) override {
    // Sleep in slices so a canceled request stops waiting promptly. On a fiber this parks
    // the fiber, not the scheduler thread.
    for (;;) {
      if (cancel && cancel->load()) return false;
      auto now = SteadyClock::now();
      if (now >= until) return true;
      fiber::SleepUntil(now + std::min<SteadyClock::duration>(until - now, Millis(50)));
    }
  }
};

}  // namespace

Clock& SystemClock() {
  static RealClock* clock = new RealClock();
  return *clock;
}

FakeClock::FakeClock(TimePoint start)
    : now_(start), wall_start_(std::chrono::system_clock::from_time_t(1767225600)), start_(start) {}

TimePoint FakeClock::Now() const {
  std::lock_guard<std::mutex> lock(mu_);
  return now_;
}

WallTime FakeClock::WallNow() const {
  std::lock_guard<std::mutex> lock(mu_);
  return wall_start_ + std::chrono::duration_cast<WallTime::duration>(now_ - start_);
}

bool FakeClock::SleepUntil(TimePoint until, const CancelFlag* cancel) {
  if (cancel && cancel->load()) return false;
  std::lock_guard<std::mutex> lock(mu_);
  if (until > now_) {
    slept_ += until - now_;
    now_ = until;
  }
  return true;
}

TimePoint FakeClock::ToSteady(TimePoint t) const {
  return SystemClock().Now() + (t - Now());
}

void FakeClock::Advance(SteadyClock::duration d) {
  std::lock_guard<std::mutex> lock(mu_);
  now_ += d;
}

SteadyClock::duration FakeClock::slept() const {
  std::lock_guard<std::mutex> lock(mu_);
  return slept_;
}

namespace {
SteadyClock::duration Scale(SteadyClock::duration d, double factor) {
  return std::chrono::duration_cast<SteadyClock::duration>(
      std::chrono::duration<double, SteadyClock::period>(d) * factor);
}
}  // namespace

ScaledClock::ScaledClock(double speed, Clock& base)
    : speed_(speed > 0 ? speed : 1), base_(base), origin_(base.Now()), wall_origin_(base.WallNow()) {}

TimePoint ScaledClock::Now() const { return origin_ + Scale(base_.Now() - origin_, speed_); }

WallTime ScaledClock::WallNow() const {
  return wall_origin_ + std::chrono::duration_cast<WallTime::duration>(Now() - origin_);
}

TimePoint ScaledClock::ToBase(TimePoint t) const { return origin_ + Scale(t - origin_, 1.0 / speed_); }

bool ScaledClock::SleepUntil(TimePoint until, const CancelFlag* cancel) {
  return base_.SleepUntil(ToBase(until), cancel);
}

TimePoint ScaledClock::ToSteady(TimePoint t) const { return base_.ToSteady(ToBase(t)); }

}  // namespace detour
