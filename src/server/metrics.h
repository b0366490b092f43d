// GET /metrics (SPEC 5, 8): the Prometheus text exposition format 0.0.4, fed by the
// request observer. Counters and histograms live here (per process, since start); the
// deployment gauges (state, in flight) are read live from the router's state store at
// scrape time. Families, in this order:
//   detour_requests_total{model_group,status,team}      counter
//   detour_attempts_total{deployment,outcome}           counter (outcome: ok | error kind)
//   detour_fallbacks_total{from,to}                     counter (group -> group)
//   detour_request_duration_seconds                     histogram (every request)
//   detour_time_to_first_token_seconds                  histogram (committed streams, not cache hits)
//   detour_tokens_total{deployment,type,team}           counter (type: prompt | completion)
//   detour_cost_usd_total{deployment,team}              counter
//   detour_deployment_state{deployment}                 gauge (0 healthy, 1 cooling, 2 unusable)
//   detour_in_flight{deployment}                        gauge
//   detour_cache_hits_total                             counter
//   detour_state_backend_up                             gauge (only with [state] backend = "redis")
//   detour_preflight_skips_total{deployment}            counter (context window too small: no upstream request)
//   detour_cache_read_tokens_total{deployment}          counter (prompt tokens the provider read from its prompt cache)
// `model_group` is the group the client asked for; a name that is neither a group nor a
// deployment id is counted as "(unknown)" so clients cannot grow the label set. Tokens
// and cost come from the deployment that answered; failed attempts cost nothing.
// Thread-safe: observers run concurrently, a scrape takes the same short mutex.
#pragma once

#include <algorithm>
#include <functional>
#include <initializer_list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/request_observer.h"

namespace detour {

class Router;

// One deployment as the live gauges see it at scrape time.
struct DeploymentGauge {
  std::string id;
  int state = 0;  // 0 healthy, 1 cooling, 2 unusable
  int in_flight = 0;
};

// What /metrics reads live.
struct MetricsSource {
  std::function<std::vector<DeploymentGauge>()> deployments;
  std::function<bool(std::string_view)> known_model;  // a group or deployment id
  std::function<std::optional<bool>()> state_backend_up;  // nullopt: in-process state
};
MetricsSource RouterMetricsSource(Router& router);

class Metrics final : public RequestObserver {
 public:
  explicit Metrics(MetricsSource source);
  void OnAttempt(const AttemptRecord& a) override;
  void OnRequestEnd(const RequestReport& r) override;
  std::string Render() const;  // the whole exposition, "text/plain; version=0.0.4"
  // Prompt tokens read from the providers' prompt caches, by deployment (for /health).
  std::map<std::string, double> CacheReadTokens() const;

 private:
  using Key = std::vector<std::string>;  // label values in the family's label order
  // Orders keys, and finds one by its label values as views: a series that exists is
  // counted without building its key (no allocation per request on the hot path).
  struct KeyLess {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                          [](std::string_view x, std::string_view y) { return x < y; });
    }
  };
  using Series = std::map<Key, double, KeyLess>;
  // series[labels] += by, building the key only for a series not seen before.
  static void Add(Series& series, std::initializer_list<std::string_view> labels, double by);
  struct Histogram {
    std::vector<double> bounds;
    std::vector<uint64_t> counts;  // per bound, not cumulative; +Inf is `count`
    double sum = 0;
    uint64_t count = 0;
    void Observe(double v);
  };

  MetricsSource source_;
  mutable std::mutex mu_;
  Series requests_, attempts_, fallbacks_, tokens_, cost_, skips_, cache_read_;
  Histogram duration_, ttft_;
  uint64_t cache_hits_ = 0;
};

// Prometheus label value escaping: backslash, double quote and newline.
std::string EscapeLabelValue(std::string_view v);
// A sample value: shortest round-trip decimal, "+Inf" / "-Inf" / "NaN".
std::string FormatSampleValue(double v);

}  // namespace detour
