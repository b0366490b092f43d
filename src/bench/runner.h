// Runs one trace through the three arms at once (SPEC 1.4). One ScaledClock for the run:
// three Simulators (one per arm, same seed: the same fault schedule) and three Routers
// read it, so the timeline, every timeout, cooldown, Retry-After, backoff and probe
// compress together. The trace's traffic (Poisson arrivals at traffic.rate in trace
// time, the stream share, seeded) goes to every arm as concurrent requests on fibers;
// each request is measured by a request observer per arm (bench/observer.h), in trace
// time. The detour arm's cooling deployments are probed on the same clock.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "bench/report.h"
#include "config/config.h"
#include "config/trace.h"
#include "model/types.h"
#include "util/expected.h"

namespace detour::bench {

struct RunOptions {
  uint64_t seed = 1;
  std::optional<double> speed;  // nullopt = auto (AutoSpeed)
  std::string group;            // the traffic's model group; empty = TrafficGroup's pick
  const CancelFlag* cancel = nullptr;
  // Called now and then from the running thread with the trace time reached.
  std::function<void(Millis now, Millis duration)> progress;
};

// How much faster than real time a trace of `duration` plays so it takes about 24 s.
double AutoSpeed(Millis duration);

// Poisson arrivals over the trace: start times (trace ms) and whether each is streamed.
struct Arrival {
  Millis at{0};
  bool stream = false;
};
std::vector<Arrival> Arrivals(const TraceTraffic& traffic, Millis duration, uint64_t seed);

// Fails (with a message) when a simulator cannot start or the group is unknown.
Expected<TraceResult, std::string> RunTrace(const Trace& trace, const Config& config,
                                            const RunOptions& options);

}  // namespace detour::bench
