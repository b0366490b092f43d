// `detour bench --format json`: the whole report as one object, for machines.
#include "bench/report.h"
#include "bench/format.h"

namespace detour::bench {
namespace {

Json StatsJson(const ArmStats& s) {
  return {{"requests", s.requests},
          {"succeeded", s.succeeded},
          {"errors", s.errors},
          {"error_rate", s.error_rate},
          {"p50_latency_ms", s.p50_latency_ms},
          {"p95_latency_ms", s.p95_latency_ms},
          {"p99_latency_ms", s.p99_latency_ms},
          {"p50_first_token_ms", s.p50_first_token_ms},
          {"p99_first_token_ms", s.p99_first_token_ms},
          {"attempts_per_request", s.attempts_per_request},
          {"fallbacks", s.fallbacks},
          {"cost_usd", s.cost_usd},
          {"errors_by_kind", s.errors_by_kind}};
}

Json TraceJson(const TraceResult& t) {
  Json arms = Json::object();
  for (const auto& a : t.arms) {
    Json arm = StatsJson(a.stats);
    arm["simulator"] = {{"requests", a.sim_requests}, {"faults", a.sim_faults}};
    Json timeline = Json::array();
    for (const auto& b : a.timeline)
      timeline.push_back({{"from_s", static_cast<double>(b.from.count()) / 1000},
                          {"requests", b.requests},
                          {"errors", b.errors},
                          {"p99_latency_ms", b.p99_latency_ms}});
    arm["timeline"] = std::move(timeline);
    arms[a.arm] = std::move(arm);
  }
  Json gates = Json::array();
  for (const auto& g : t.gates)
    gates.push_back({{"gate", g.Name()}, {"bound", g.expect.bound}, {"value", g.value}, {"ok", g.ok}});
  Json faults = Json::array();
  for (const auto& f : t.faults)
    faults.push_back({{"kind", FaultLabel(f.kind)},
                      {"from_s", static_cast<double>(f.from.count()) / 1000},
                      {"to_s", static_cast<double>(f.to.count()) / 1000},
                      {"rate", f.rate}});
  return {{"name", t.name},
          {"description", t.description},
          {"file", t.file},
          {"duration_s", static_cast<double>(t.duration.count()) / 1000},
          {"speed", t.speed},
          {"wall_s", t.wall_seconds},
          {"seed", t.seed},
          {"group", t.group},
          {"arms", std::move(arms)},
          {"faults", std::move(faults)},
          {"gates", std::move(gates)},
          {"gates_ok", t.GatesOk()},
          {"notes", t.notes}};
}

}  // namespace

std::string RenderJson(const BenchReport& report) {
  Json traces = Json::array();
  for (const auto& t : report.traces) traces.push_back(TraceJson(t));
  Json out = {{"config", report.config},
              {"seed", report.seed},
              {"gates_ok", report.GatesOk()},
              {"traces", std::move(traces)}};
  return out.dump(2) + "\n";
}

}  // namespace detour::bench
