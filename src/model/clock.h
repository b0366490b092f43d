// Time behind an interface (HACKING.md rule 5): the router and the cooldown read time and
// sleep only through a Clock, so tests can drive time and nothing else calls
// steady_clock::now() or sleep_for on the request path. Implementations are thread-safe.
#pragma once

#include "model/types.h"

namespace detour {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
  // Sleeps until `until` or until *cancel becomes true (checked at least every 50 ms).
  // Returns false when canceled.
  virtual bool SleepUntil(TimePoint until, const CancelFlag* cancel) = 0;
};

// The real monotonic clock. A process-wide instance; never destroyed.
Clock& SystemClock();

}  // namespace detour
