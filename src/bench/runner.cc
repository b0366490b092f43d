#include "bench/runner.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>

#include "bench/arms.h"
#include "bench/gates.h"
#include "bench/observer.h"
#include "bench/stats.h"
#include "core/memory_state_store.h"
#include "core/prober.h"
#include "core/router.h"
#include "net/http_client.h"
#include "sim/simulator.h"
#include "util/fiber.h"
#include "util/random.h"

namespace detour::bench {
namespace {

constexpr double kLagWarnMs = 250;  // trace time

// Requests in flight across every arm; the run ends when it is back to zero.
class Inflight {
 public:
  void Add() {
    std::lock_guard<std::mutex> lock(mu_);
    n_++;
  }
  void Done() {
    std::lock_guard<std::mutex> lock(mu_);
    if (--n_ == 0) cv_.NotifyAll();
  }
  void WaitZero() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.Wait(lock, [&] { return n_ == 0; });
  }

 private:
  std::mutex mu_;
  fiber::CondVar cv_;
  long n_ = 0;
};

class DiscardStream final : public StreamConsumer {
 public:
  bool OnCommit(const RouteInfo&) override { return true; }
  bool OnChunk(StreamChunk&) override { return true; }
};

// One arm: its simulator, and a router over it that reports to the arm's observer.
struct ArmRun {
  Arm arm = Arm::kDirect;
  std::unique_ptr<sim::Simulator> sim;
  std::unique_ptr<net::HttpClient> http;
  std::shared_ptr<StateStore> store;
  std::unique_ptr<BenchObserver> observer;
  std::unique_ptr<Router> router;  // last: destroyed first
};

Expected<std::unique_ptr<ArmRun>, std::string> StartArm(Arm arm, const Trace& trace, const Config& user,
                                                        ScaledClock& clock, uint64_t seed,
                                                        std::vector<std::string>* notes) {
  auto run = std::make_unique<ArmRun>();
  run->arm = arm;
  sim::SimOptions so;
  so.seed = seed;
  so.clock = &clock;
  so.start = clock.origin();
  // About 2 ms of real time per write: enough tokens per write that the replay's cost does
  // not depend on the answer length, and still many writes per stream.
  so.min_write_gap = Millis(static_cast<int64_t>(clock.speed() * 2));
  auto started = sim::Simulator::Start(trace, so);
  if (!started) return Fail("cannot start the simulator: " + started.error());
  run->sim = std::move(started.value());
  sim::Simulator* s = run->sim.get();
  Config config = ArmConfig(
      user, arm, [s](const std::string& protocol, const std::string& id) { return s->BaseUrl(protocol, id); },
      notes);
  run->http = net::MakeHttpClient();
  run->store = std::make_shared<MemoryStateStore>();
  run->observer = std::make_unique<BenchObserver>(clock, clock.origin());
  auto table = RouteTable::Build(std::move(config), *run->http, *run->store, clock);
  run->router = std::make_unique<Router>(std::move(table), run->store, clock, seed);
  run->router->AddObserver(run->observer.get());
  return run;
}

// The prompt carries the arrival's schedule (sim::ArrivalTag), so each arm's simulator
// places it on the trace where it was due, not where a busy machine delivered it.
ChatRequest MakeRequest(const std::string& group, const TraceTraffic& traffic, size_t index, const Arrival& a) {
  ChatRequest req;
  req.model = group;
  req.stream = a.stream;
  std::string prompt = "Summarise yesterday's incident report for the on-call channel. " + sim::ArrivalTag(index, a.at);
  req.body = {{"model", group},
              {"messages", Json::array({{{"role", "user"}, {"content", std::move(prompt)}}})},
              {"max_tokens", traffic.completion_tokens},
              {"temperature", 0}};
  return req;
}

void Send(Router& router, const ChatRequest& req, const CancelFlag* cancel) {
  RouteOptions opts;
  opts.cancel = cancel;
  if (req.stream) {
    DiscardStream sink;
    (void)router.Stream(req, sink, opts);
  } else {
    (void)router.Complete(req, opts);
  }
}

// Probes the detour arm's cooling deployments on the scaled clock (Prober::Start would
// pace its passes in real time).
class ProbeLoop {
 public:
  ProbeLoop(Router& router, ScaledClock& clock)
      : prober_(router, clock), thread_([this, &router, &clock] {
          Millis interval = router.table()->config().router.probe_interval;
          Millis pass = std::max(Millis(100), interval / 4);
          while (!stop_.load()) {
            prober_.RunOnce();
            clock.SleepUntil(clock.Now() + pass, &stop_);
          }
        }) {}
  ~ProbeLoop() {
    stop_.store(true);
    thread_.join();
  }

 private:
  CancelFlag stop_{false};
  Prober prober_;
  std::thread thread_;
};

ArmResult Collect(ArmRun& run, Millis duration) {
  ArmResult r;
  r.arm = kArmNames[static_cast<int>(run.arm)];
  auto samples = run.observer->Samples();
  r.stats = Summarize(samples);
  r.timeline = Timeline(samples, duration, BucketWidth(duration));
  auto counters = run.sim->Counters();
  for (const auto& [key, n] : counters.requests) r.sim_requests += n;
  r.sim_faults = counters.faults;
  return r;
}

bool GroupTargeted(const Config& c, const Trace& trace, const std::string& group) {
  for (const auto& d : c.deployments) {
    if (d.model_name != group) continue;
    for (const auto& f : trace.faults)
      if (FaultTargets(f, d)) return true;
    for (const auto& r : trace.recorded)
      if (r.deployment == d.id && r.kind != "ok") return true;
    return false;  // only the first deployment counts
  }
  return false;
}

// Compressed time magnifies a busy machine: 20 ms of scheduling delay is over a second of
// trace time at 60x, and deadlines in the config fire on it. Say so when the replay fell
// behind, rather than let such figures pass for the policy's.
std::optional<std::string> LagNote(std::vector<double> lag_ms, double speed) {
  double p95 = Percentile(std::move(lag_ms), 0.95);
  if (p95 < kLagWarnMs) return std::nullopt;
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "the machine fell behind the replay (p95 %.0f ms of trace time late, %.1f ms real at %.0fx): "
                "latencies and timeouts are inflated; close other work or pass a lower --speed",
                p95, p95 / speed, speed);
  return std::string(buf);
}

}  // namespace

double AutoSpeed(Millis duration) { return std::max(1.0, static_cast<double>(duration.count()) / 24000.0); }

std::vector<Arrival> Arrivals(const TraceTraffic& traffic, Millis duration, uint64_t seed) {
  std::vector<Arrival> out;
  if (traffic.rate <= 0) return out;
  Rng rng(Rng::Mix(seed ^ 0xA5A5A5A5u));
  double t = 0;
  double end = static_cast<double>(duration.count());
  for (;;) {
    // Exponential inter-arrival time with mean 1/rate seconds.
    t += -std::log(1.0 - rng.Unit()) / traffic.rate * 1000.0;
    if (t >= end) break;
    out.push_back({Millis(static_cast<int64_t>(t)), rng.Unit() < traffic.stream});
  }
  return out;
}

Expected<TraceResult, std::string> RunTrace(const Trace& trace, const Config& config, const RunOptions& o) {
  TraceResult result;
  result.name = trace.name;
  result.description = trace.description;
  result.file = trace.path;
  result.duration = trace.duration;
  result.seed = o.seed;
  result.faults = trace.faults;
  result.group = TrafficGroup(config, trace, o.group);
  auto groups = config.GroupNames();
  if (std::find(groups.begin(), groups.end(), result.group) == groups.end())
    return Fail("unknown model group \"" + result.group + "\"");
  if (!GroupTargeted(config, trace, result.group))
    result.notes.push_back("no fault of this trace hits group \"" + result.group +
                           "\"'s first deployment, so direct sees only the baseline");
  result.speed = o.speed ? *o.speed : AutoSpeed(trace.duration);

  TimePoint wall_start = SystemClock().Now();
  ScaledClock clock(result.speed);
  std::vector<std::unique_ptr<ArmRun>> arms;
  for (Arm arm : {Arm::kDirect, Arm::kRetries, Arm::kDetour}) {
    auto run = StartArm(arm, trace, config, clock, o.seed, &result.notes);
    if (!run) return Fail(run.error());
    arms.push_back(std::move(run.value()));
  }
  auto arrivals = Arrivals(trace.traffic, trace.duration, o.seed);
  Inflight inflight;
  std::vector<double> lag_ms;  // how late each arrival was sent, in trace time
  {
    ProbeLoop probes(*arms[2]->router, clock);
    for (size_t i = 0; i < arrivals.size(); ++i) {
      const Arrival& a = arrivals[i];
      if (o.cancel && o.cancel->load()) break;
      clock.SleepUntil(clock.origin() + a.at, o.cancel);
      lag_ms.push_back(std::chrono::duration<double, std::milli>(clock.Now() - clock.origin() - a.at).count());
      if (o.progress) o.progress(a.at, trace.duration);
      auto req = std::make_shared<const ChatRequest>(MakeRequest(result.group, trace.traffic, i, a));
      for (auto& arm : arms) {
        inflight.Add();
        Router* router = arm->router.get();
        fiber::Spawn([router, req, &inflight, cancel = o.cancel] {
          Send(*router, *req, cancel);
          inflight.Done();
        });
      }
    }
    inflight.WaitZero();
  }
  if (o.progress) o.progress(trace.duration, trace.duration);
  for (auto& arm : arms) arm->sim->Stop();
  for (auto& arm : arms) result.arms.push_back(Collect(*arm, trace.duration));
  if (auto note = LagNote(lag_ms, result.speed)) result.notes.push_back(*note);
  result.gates = EvaluateGates(trace.expect, result.arms);
  result.wall_seconds = std::chrono::duration<double>(SystemClock().Now() - wall_start).count();
  return result;
}

}  // namespace detour::bench
