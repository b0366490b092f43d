// The strategies (SPEC 3.4) as pure choices over facts (core/balancer.h), and the facts
// the memory store gives them: latency EWMAs per request kind, usage shares of rpm and
// tpm in the last minute.
#include <doctest/doctest.h>

#include <map>

#include "core/balancer.h"
#include "core/memory_state_store.h"

namespace detour {
namespace {

struct Pool {
  std::map<std::string, std::unique_ptr<Deployment>> deps;
  std::vector<Candidate> candidates;

  Candidate& Add(const std::string& id, RoutingFacts f = {}, std::optional<Price> price = {}) {
    auto d = std::make_unique<Deployment>();
    d->cfg.id = id;
    d->cfg.price = price;
    candidates.push_back({d.get(), f});
    deps[id] = std::move(d);
    return candidates.back();
  }

  // How many of `n` choices (seeds 0..n-1) went to each deployment.
  std::map<std::string, int> Tally(Strategy s, bool stream = false, int n = 400) {
    std::map<std::string, int> out;
    for (int seed = 0; seed < n; seed++) {
      Rng rng(static_cast<uint64_t>(seed) * 7919 + 1);
      out[Choose(s, candidates, rng, stream)->cfg.id]++;
    }
    return out;
  }
};

RoutingFacts Latency(std::optional<double> total, std::optional<double> first_token = {}) {
  RoutingFacts f;
  f.latency_ms = total;
  f.first_token_ms = first_token;
  return f;
}

TEST_CASE("lowest-latency: buffered requests by total time, streams by time to first token") {
  Pool p;
  p.Add("fast-total", Latency(100, 900));  // short answers, slow to start
  p.Add("fast-start", Latency(800, 50));   // quick first token, long streams
  auto buffered = p.Tally(Strategy::kLowestLatency, /*stream=*/false);
  CHECK(buffered["fast-total"] == 400);
  auto streams = p.Tally(Strategy::kLowestLatency, /*stream=*/true);
  CHECK(streams["fast-start"] == 400);
}

TEST_CASE("lowest-latency: near-ties share load inside the band, a clear lead takes it all") {
  Pool near;
  near.Add("a", Latency(100));
  near.Add("b", Latency(106));  // within 10% of 100
  auto t = near.Tally(Strategy::kLowestLatency);
  CHECK(t["a"] > 120);
  CHECK(t["b"] > 120);

  Pool far;
  far.Add("a", Latency(100));
  far.Add("b", Latency(111));  // outside the band
  CHECK(far.Tally(Strategy::kLowestLatency)["a"] == 400);

  Pool small;  // at least 5 ms of band for fast deployments
  small.Add("a", Latency(2));
  small.Add("b", Latency(6));
  small.Add("c", Latency(8));
  auto s = small.Tally(Strategy::kLowestLatency);
  CHECK(s["a"] > 100);
  CHECK(s["b"] > 100);
  CHECK(s["c"] == 0);
}

TEST_CASE("lowest-latency: an unmeasured deployment is tried so it gets measured") {
  Pool p;
  p.Add("measured", Latency(40, 40));
  p.Add("new", Latency(std::nullopt));
  CHECK(p.Tally(Strategy::kLowestLatency)["new"] == 400);
  CHECK(p.Tally(Strategy::kLowestLatency, true)["new"] == 400);
}

TEST_CASE("usage: the lowest share of rpm/tpm this minute") {
  Pool p;
  RoutingFacts busy, idle;
  busy.usage_share = 0.8;
  idle.usage_share = 0.3;
  p.Add("busy", busy);
  p.Add("idle", idle);
  CHECK(p.Tally(Strategy::kUsage)["idle"] == 400);
}

TEST_CASE("cost: the cheapest first, equal prices by latency, no price last") {
  Pool p;
  p.Add("dear", Latency(10), Price{5, 15});
  p.Add("cheap", Latency(500), Price{1, 2});
  p.Add("unpriced", Latency(1));
  CHECK(p.Tally(Strategy::kCost)["cheap"] == 400);

  Pool ties;
  ties.Add("slow", Latency(300), Price{1, 2});
  ties.Add("quick", Latency(50), Price{2, 1});  // the same price per million, written otherwise
  ties.Add("dear", Latency(1), Price{3, 3});
  CHECK(ties.Tally(Strategy::kCost)["quick"] == 400);
  Pool stream_ties;
  stream_ties.Add("slow-start", Latency(10, 300), Price{1, 1});
  stream_ties.Add("quick-start", Latency(300, 10), Price{1, 1});
  CHECK(stream_ties.Tally(Strategy::kCost, true)["quick-start"] == 400);

  Pool none;  // no prices at all: latency decides
  none.Add("slow", Latency(300));
  none.Add("quick", Latency(20));
  CHECK(none.Tally(Strategy::kCost)["quick"] == 400);
}

TEST_CASE("memory store: stream and buffered latencies are separate EWMAs") {
  MemoryStateStore store;
  StateSlot& s = store.Slot("a");
  Limits none;
  CooldownPolicy policy;
  TimePoint now{};
  auto finish = [&](bool stream, double ms) {
    REQUIRE(store.TryAdmit(s, none, now, false) == AdmitResult::kOpen);
    AttemptFacts f;
    f.ok = true;
    f.stream = stream;
    f.latency_ms = ms;
    store.Finish(s, none, policy, f, now);
  };
  CHECK_FALSE(store.Routing(s, none, now).latency_ms);
  CHECK_FALSE(store.Routing(s, none, now).first_token_ms);
  finish(false, 1000);
  finish(true, 100);
  auto f = store.Routing(s, none, now);
  CHECK(*f.latency_ms == doctest::Approx(1000));
  CHECK(*f.first_token_ms == doctest::Approx(100));
  finish(true, 200);  // EWMA: 0.8 * 100 + 0.2 * 200
  CHECK(*store.Routing(s, none, now).first_token_ms == doctest::Approx(120));
  CHECK(*store.Routing(s, none, now).latency_ms == doctest::Approx(1000));
}

TEST_CASE("memory store: usage share is the larger of the rpm and tpm shares in the last minute") {
  MemoryStateStore store;
  StateSlot& s = store.Slot("a");
  Limits l{10, 1000};
  CooldownPolicy policy;
  TimePoint now = TimePoint{} + std::chrono::hours(1);
  auto request = [&](int64_t tokens) {
    REQUIRE(store.TryAdmit(s, l, now, false) == AdmitResult::kOpen);
    AttemptFacts f;
    f.ok = true;
    f.tokens = tokens;
    store.Finish(s, l, policy, f, now);
  };
  request(100);
  CHECK(store.Routing(s, l, now).usage_share == doctest::Approx(0.1));  // 1/10 rpm, 100/1000 tpm
  request(500);
  CHECK(store.Routing(s, l, now).usage_share == doctest::Approx(0.6));  // tpm: 600/1000
  request(0);
  request(0);
  request(0);
  request(0);
  request(0);
  CHECK(store.Routing(s, l, now).usage_share == doctest::Approx(0.7));  // rpm: 7/10
  now += std::chrono::seconds(61);
  CHECK(store.Routing(s, l, now).usage_share == doctest::Approx(0));  // a new minute
}

}  // namespace
}  // namespace detour
