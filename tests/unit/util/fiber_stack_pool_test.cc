// The fiber stack pool's reuse and decay (util/fiber_stack_pool.h), on a made-up clock.
#include <doctest/doctest.h>

#include <vector>

#include "util/fiber_stack_pool.h"

namespace detour::fiber::detail {
namespace {

using std::chrono::milliseconds;

StackPool::Limits SmallLimits() {
  StackPool::Limits l;
  l.stack_bytes = 16 * 1024;
  l.keep_warm = 4;
  l.max_spare = 1000;
  l.period = milliseconds(1000);
  return l;
}

std::vector<Stack> TakeMany(StackPool& pool, size_t n) {
  std::vector<Stack> out;
  for (size_t i = 0; i < n; ++i) out.push_back(pool.Take());
  return out;
}

void GiveAll(StackPool& pool, std::vector<Stack>& stacks) {
  for (Stack& s : stacks) pool.Give(s);
  stacks.clear();
}

TEST_CASE("a returned stack is the next one taken, and no new one is mapped for it") {
  StackPool pool(SmallLimits());
  Stack a = pool.Take();
  CHECK(pool.allocated() == 1);
  pool.Give(a);
  Stack b = pool.Take();
  CHECK(b.base == a.base);
  CHECK(pool.allocated() == 1);
  pool.Give(b);
}

TEST_CASE("a burst's stacks all stay spare, then decay by half of the idle surplus per period") {
  StackPool pool(SmallLimits());
  const TimePoint t0{};
  auto burst = TakeMany(pool, 100);
  GiveAll(pool, burst);
  CHECK(pool.spare() == 100);  // none freed on return, whatever the count
  CHECK(pool.allocated() == 100);

  pool.MaybeTrim(t0);  // the first trim only starts the period: all 100 were used in it
  CHECK(pool.spare() == 100);
  CHECK(pool.NextTrim() == t0 + milliseconds(1000));
  pool.MaybeTrim(t0 + milliseconds(999));  // not due yet
  CHECK(pool.spare() == 100);

  pool.MaybeTrim(t0 + milliseconds(1000));  // 96 over keep_warm sat idle: half go
  CHECK(pool.spare() == 52);
  CHECK(pool.allocated() == 52);
  pool.MaybeTrim(t0 + milliseconds(2000));
  CHECK(pool.spare() == 28);
  for (int p = 3; p < 20; ++p) pool.MaybeTrim(t0 + milliseconds(1000 * p));
  CHECK(pool.spare() == 4);  // down to keep_warm, never below
  CHECK(pool.allocated() == 4);
  CHECK(pool.NextTrim() == TimePoint::max());  // nothing to trim: no wake-up needed
}

TEST_CASE("stacks taken during a period count as needed: only the idle surplus is trimmed") {
  StackPool pool(SmallLimits());
  const TimePoint t0{};
  auto burst = TakeMany(pool, 40);
  GiveAll(pool, burst);
  pool.MaybeTrim(t0);
  auto busy = TakeMany(pool, 30);  // the pool's low water in this period: 10
  GiveAll(pool, busy);
  pool.MaybeTrim(t0 + milliseconds(1000));
  CHECK(pool.spare() == 37);  // surplus 10 - 4 = 6 idle, half (3) freed
  CHECK(pool.allocated() == 37);
}

TEST_CASE("past max_spare a returned stack is unmapped at once") {
  auto limits = SmallLimits();
  limits.max_spare = 3;
  StackPool pool(limits);
  auto burst = TakeMany(pool, 5);
  CHECK(pool.allocated() == 5);
  GiveAll(pool, burst);
  CHECK(pool.spare() == 3);
  CHECK(pool.allocated() == 3);
}

}  // namespace
}  // namespace detour::fiber::detail
