// ScaledClock: trace time runs `speed` times faster than its base, and sleeping, deadline
// conversion (ToSteady) and calendar time all agree with Now(). Over a FakeClock base the
// arithmetic is exact; one test uses the real clock with generous bounds.
#include <doctest/doctest.h>

#include "model/clock.h"

namespace detour {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_CASE("ScaledClock starts at its base's reading and runs speed times faster") {
  FakeClock base;
  TimePoint start = base.Now();
  ScaledClock clock(60, base);
  CHECK(clock.origin() == start);
  CHECK(clock.Now() == start);
  base.Advance(seconds(1));
  CHECK(clock.Now() - start == seconds(60));
  base.Advance(milliseconds(500));
  CHECK(clock.Now() - start == seconds(90));
  CHECK(clock.speed() == 60);
}

TEST_CASE("ScaledClock::SleepUntil waits the compressed base time and lands on the target") {
  FakeClock base;
  ScaledClock clock(10, base);
  TimePoint target = clock.Now() + seconds(30);  // 30 s of trace time
  CHECK(clock.SleepUntil(target, nullptr));
  CHECK(base.slept() == seconds(3));  // 3 s of base time
  CHECK(clock.Now() == target);
}

TEST_CASE("ScaledClock::SleepUntil honours a canceled flag") {
  FakeClock base;
  ScaledClock clock(10, base);
  CancelFlag cancel{true};
  CHECK_FALSE(clock.SleepUntil(clock.Now() + seconds(5), &cancel));
  CHECK(base.slept() == seconds(0));
}

TEST_CASE("ScaledClock::ToSteady maps a trace deadline onto the base's real time") {
  FakeClock base;
  ScaledClock clock(20, base);
  // A 10 s attempt timeout in trace time is 0.5 s of base time from now.
  // (FakeClock::ToSteady reads the real clock, so two calls differ by the time between.)
  auto near = [](TimePoint a, TimePoint b) { return (a > b ? a - b : b - a) < milliseconds(50); };
  TimePoint deadline = clock.Now() + seconds(10);
  CHECK(near(clock.ToSteady(deadline), base.ToSteady(base.Now() + milliseconds(500))));
  base.Advance(milliseconds(250));  // half-way there
  CHECK(near(clock.ToSteady(deadline), base.ToSteady(base.Now() + milliseconds(250))));
}

TEST_CASE("ScaledClock::WallNow advances with trace time") {
  FakeClock base;
  ScaledClock clock(100, base);
  WallTime w0 = clock.WallNow();
  base.Advance(seconds(3));
  CHECK(clock.WallNow() - w0 == seconds(300));
}

TEST_CASE("ScaledClock: a speed of zero or less means real time") {
  FakeClock base;
  ScaledClock clock(0, base);
  base.Advance(seconds(2));
  CHECK(clock.Now() - clock.origin() == seconds(2));
  CHECK(clock.speed() == 1);
}

TEST_CASE("ScaledClock over the real clock: a minute of trace time at 600x sleeps about 0.1 s") {
  ScaledClock clock(600);
  TimePoint real_start = SystemClock().Now();
  TimePoint target = clock.Now() + seconds(60);
  CHECK(clock.SleepUntil(target, nullptr));
  auto real = SystemClock().Now() - real_start;
  CHECK(clock.Now() >= target);
  CHECK(real >= milliseconds(95));
  CHECK(real < seconds(5));  // generous: a loaded machine, not a benchmark
}

}  // namespace
}  // namespace detour
