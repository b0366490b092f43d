// Time behind an interface (DESIGN.md rule 5): every decision detour makes (deadlines,
// cooldowns, half-open, probes, backoff, Retry-After, rpm/tpm windows) reads time and
// sleeps only through a Clock, so tests run in virtual time and `bench` can compress it.
// Only this file's implementations read the operating system's clocks; the fiber
// runtime's timers (util/fiber.h) are the real clock's substrate.
//
// Real I/O waits (net::Deadline, epoll) run in real monotonic time: code that hands a
// Clock time to net converts it with ToSteady(). Implementations are thread-safe.
#pragma once

#include <chrono>
#include <mutex>

#include "model/types.h"

namespace detour {

using WallTime = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
  // Calendar time, for HTTP-date Retry-After values and log stamps.
  virtual WallTime WallNow() const = 0;
  // Sleeps until `until` or until *cancel becomes true (checked at least every 50 ms).
  // Returns false when canceled.
  virtual bool SleepUntil(TimePoint until, const CancelFlag* cancel) = 0;
  // The real monotonic time at which this clock reads `t` (identity for the real clock).
  virtual TimePoint ToSteady(TimePoint t) const = 0;
};

// The real monotonic clock. A process-wide instance; never destroyed.
Clock& SystemClock();

// Virtual time for tests: Now() moves only by Advance() or SleepUntil(), which jumps to
// its target at once (a canceled flag still wins). ToSteady maps onto the real clock by
// offset, so net deadlines computed from it stay meaningful.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start = TimePoint{} + std::chrono::hours(1000));
  TimePoint Now() const override;
  WallTime WallNow() const override;
  bool SleepUntil(TimePoint until, const CancelFlag* cancel) override;
  TimePoint ToSteady(TimePoint t) const override;
  void Advance(SteadyClock::duration d);
  // Total time slept through SleepUntil (what a real clock would have waited).
  SteadyClock::duration slept() const;

 private:
  mutable std::mutex mu_;
  TimePoint now_;
  WallTime wall_start_;
  TimePoint start_;
  SteadyClock::duration slept_{0};
};

// Compressed time for `bench` (SPEC 1.4): reads `speed` times faster than `base`, from
// the moment it was made (Now() == base.Now() then). Everything that reads this clock,
// the router's deadlines, cooldowns, Retry-After, backoff and probes, and the simulator's
// latencies and fault windows, scales together, so a 30-minute trace plays in seconds and
// every duration measured on it is trace time. SleepUntil and ToSteady map a trace time
// back onto `base`, so net deadlines and sleeps wait the compressed real time.
class ScaledClock final : public Clock {
 public:
  explicit ScaledClock(double speed, Clock& base = SystemClock());
  TimePoint Now() const override;
  WallTime WallNow() const override;
  bool SleepUntil(TimePoint until, const CancelFlag* cancel) override;
  TimePoint ToSteady(TimePoint t) const override;
  double speed() const { return speed_; }
  // The instant the clock was made (trace time zero).
  TimePoint origin() const { return origin_; }

 private:
  TimePoint ToBase(TimePoint t) const;  // this clock's reading -> base's
  double speed_;
  Clock& base_;
  TimePoint origin_;
  WallTime wall_origin_;
};

}  // namespace detour
