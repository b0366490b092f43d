// Tagged arrivals (sim::ArrivalTag): a replay's request is placed on the trace where it was
// due, not where it arrived, so a late machine does not move it across a fault window.
#include <doctest/doctest.h>

#include "model/clock.h"
#include "sim/request.h"
#include "sim_test_util.h"

namespace detour {
namespace {

using namespace sim_test;

std::string Tagged(uint64_t index, int64_t at_ms) {
  return R"({"model":"gpt-4o","messages":[{"role":"user","content":"hi )" +
         sim::ArrivalTag(index, Millis(at_ms)) + R"("}]})";
}

const std::string kUntagged = R"({"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]})";

TEST_CASE("ArrivalTag reads back; a damaged tag is no tag") {
  auto a = sim::FindArrivalTag("{\"content\":\"x " + sim::ArrivalTag(17, Millis(29873)) + "\"}");
  REQUIRE(a);
  CHECK(a->index == 17);
  CHECK(a->at == Millis(29873));
  CHECK_FALSE(sim::FindArrivalTag("[detour-arrival 17 @ 29873]"));
  CHECK_FALSE(sim::FindArrivalTag("[detour-arrival x @ 1ms]"));
  CHECK_FALSE(sim::FindArrivalTag("[detour-arrival 17 29873ms]"));
  CHECK_FALSE(sim::FindArrivalTag("no tag"));
  CHECK_FALSE(sim::FindArrivalTag("[detour-arrival 1 @ 18446744073709551615ms]"));  // would overflow
  CHECK_FALSE(sim::FindArrivalTag("[detour-arrival 1 @ 99999999999999999999999ms]"));
  CHECK(sim::FindArrivalTag("[detour-arrival 1 @ 1000000000000ms]"));
}

TEST_CASE("a tagged request is placed at its scheduled time; its later attempts as far after it") {
  Trace t = FastTrace();
  t.faults.push_back(Outage(40000, 60000));
  FakeClock clock;
  sim::SimOptions o;
  o.clock = &clock;
  o.start = clock.Now();
  auto started = sim::Simulator::Start(t, o);
  REQUIRE(started.ok());
  sim::Simulator& sim = **started;
  auto status = [&](const std::string& body) {
    auto res = Call(sim, "POST", "/v1/chat/completions", body);
    REQUIRE(res);
    return res->status;
  };

  // Every request below arrives near trace time 0 unless the clock is moved.
  CHECK(status(kUntagged) == 200);
  CHECK(status(Tagged(1, 50000)) == 503);  // due inside the window
  CHECK(status(Tagged(2, 10000)) == 200);  // due before it
  clock.Advance(std::chrono::seconds(35));
  CHECK(status(Tagged(2, 10000)) == 503);  // 35 s after its first attempt: 45 s
  CHECK(status(Tagged(1, 50000)) == 200);  // 35 s after its first: 85 s, past the window
  CHECK(status(kUntagged) == 200);         // arrives at 35 s
  CHECK(status(Tagged(3, 41000)) == 503);
  CHECK(sim.Counters().faults == 3);
}

}  // namespace
}  // namespace detour
