// The hedge book (core/hedge.h): "p95" of recent first-token times and the budget.
#include <doctest/doctest.h>

#include "core/hedge.h"

namespace detour {
namespace {

TEST_CASE("p95 is the nearest-rank 95th percentile") {
  std::vector<double> v;
  for (int i = 1; i <= 100; ++i) v.push_back(i);
  CHECK(Percentile95(v) == 95);
  CHECK(Percentile95({7}) == 7);
  CHECK(Percentile95({}) == 0);
}

TEST_CASE("after: a fixed duration, or p95 once there are enough samples") {
  HedgeBook book;
  HedgeConfig fixed;
  fixed.after = Millis(800);
  CHECK(book.After("g", fixed) == Millis(800));
  HedgeConfig p95;
  CHECK_FALSE(book.After("g", p95).has_value());
  for (int i = 1; i <= 19; ++i) book.Observe("g", Millis(i * 10));
  CHECK_FALSE(book.After("g", p95).has_value());  // 19 < kMinSamples
  book.Observe("g", Millis(200));
  CHECK(book.After("g", p95) == Millis(190));  // rank 19 of 20
  CHECK_FALSE(book.After("other", p95).has_value());  // per group
  for (int i = 0; i < 500; ++i) book.Observe("g", Millis(1000));  // old samples age out
  CHECK(book.After("g", p95) == Millis(1000));
}

TEST_CASE("the budget: at most max_ratio of the window's requests hedge") {
  HedgeBook book;
  int hedges = 0;
  for (int i = 0; i < 1000; ++i) {
    book.CountRequest("g");
    if (book.TakeHedge("g", 0.05)) ++hedges;  // every request would like to
  }
  CHECK(hedges == 50);
  // The window slides: 1000 fresh requests bring 50 more.
  for (int i = 0; i < 1000; ++i) {
    book.CountRequest("g");
    if (book.TakeHedge("g", 0.05)) ++hedges;
  }
  CHECK(hedges == 100);
  HedgeBook none;
  none.CountRequest("g");
  CHECK_FALSE(none.TakeHedge("g", 0));
  CHECK_FALSE(none.TakeHedge("never-counted", 1));
}

}  // namespace
}  // namespace detour
