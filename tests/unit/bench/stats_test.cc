// bench statistics: nearest-rank percentiles, the arm summary and the chart's timeline.
#include <doctest/doctest.h>

#include "bench/stats.h"

namespace detour::bench {
namespace {

Sample Req(int64_t start_ms, int64_t total_ms, bool ok, int attempts = 1) {
  Sample s;
  s.start = Millis(start_ms);
  s.total = Millis(total_ms);
  s.ok = ok;
  s.attempts = attempts;
  return s;
}

TEST_CASE("Percentile is nearest rank over a sorted copy") {
  std::vector<double> v;
  for (int i = 100; i >= 1; i--) v.push_back(i);  // 1..100, reversed
  CHECK(Percentile(v, 0.50) == 50);
  CHECK(Percentile(v, 0.95) == 95);
  CHECK(Percentile(v, 0.99) == 99);
  CHECK(Percentile(v, 1.0) == 100);
  CHECK(Percentile(v, 0.0) == 1);
  CHECK(Percentile({}, 0.5) == 0);
  CHECK(Percentile({7}, 0.99) == 7);
  CHECK(Percentile({1, 2, 3}, 0.5) == 2);
  CHECK(Percentile({1, 2, 3, 4}, 0.5) == 2);
}

TEST_CASE("Summarize counts requests, errors, attempts, fallbacks, cost and latency percentiles") {
  std::vector<Sample> s;
  for (int i = 0; i < 98; i++) s.push_back(Req(i * 1000, 1000 + i, true));
  s.push_back(Req(98000, 30000, false, 3));  // a timeout after three attempts
  s.push_back(Req(99000, 4000, true, 2));
  s.back().fell_back = true;
  s.back().cost_usd = 0.5;
  s.back().stream = true;
  s.back().first_token = Millis(700);
  ArmStats a = Summarize(s);
  CHECK(a.requests == 100);
  CHECK(a.succeeded == 99);
  CHECK(a.errors == 1);
  CHECK(a.error_rate == doctest::Approx(0.01));
  CHECK(a.attempts_per_request == doctest::Approx((98 + 3 + 2) / 100.0));
  CHECK(a.fallbacks == 1);
  CHECK(a.cost_usd == doctest::Approx(0.5));
  CHECK(a.p50_latency_ms == 1049);
  CHECK(a.p99_latency_ms == 4000);  // rank 99 of 100: the 4 s request; the 30 s one is p100
  CHECK(a.p50_first_token_ms == 700);
}

TEST_CASE("Summarize of nothing is all zeros") {
  ArmStats a = Summarize({});
  CHECK(a.requests == 0);
  CHECK(a.error_rate == 0);
  CHECK(a.attempts_per_request == 0);
}

TEST_CASE("Timeline puts each request in the bucket where it started") {
  std::vector<Sample> s = {Req(0, 100, true), Req(59999, 200, false), Req(60000, 300, true),
                           Req(179999, 400, false), Req(500000, 500, true)};
  auto b = Timeline(s, Millis(180000), Millis(60000));
  REQUIRE(b.size() == 3);
  CHECK(b[0].from == Millis(0));
  CHECK(b[0].requests == 2);
  CHECK(b[0].errors == 1);
  CHECK(b[0].error_rate == doctest::Approx(0.5));
  CHECK(b[0].p99_latency_ms == 200);
  CHECK(b[1].requests == 1);
  CHECK(b[1].errors == 0);
  CHECK(b[2].from == Millis(120000));
  CHECK(b[2].requests == 2);  // one past the end is counted in the last bucket
  CHECK(b[2].errors == 1);
}

TEST_CASE("BucketWidth gives about 60 points in whole seconds") {
  CHECK(BucketWidth(Millis(30 * 60000)) == Millis(30000));
  CHECK(BucketWidth(Millis(10 * 60000)) == Millis(10000));
  CHECK(BucketWidth(Millis(20000)) == Millis(1000));
}

}  // namespace
}  // namespace detour::bench
