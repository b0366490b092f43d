#include "model/clock.h"

#include <algorithm>

#include "util/fiber.h"

namespace detour {
namespace {

class RealClock final : public Clock {
 public:
  TimePoint Now() const override { return SteadyClock::now(); }
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

}  // namespace detour
