#include "server/metrics.h"

#include <charconv>
#include <cmath>
#include <tuple>

#include "core/router.h"

namespace detour {
namespace {

const std::vector<double> kDurationBounds = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};
const std::vector<double> kFirstTokenBounds = {0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30};

double Seconds(Millis ms) { return static_cast<double>(ms.count()) / 1000.0; }

void Header(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void Sample(std::string& out, std::string_view name, const std::vector<std::string>& labels,
            const std::vector<std::string>& values, double v) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    for (size_t i = 0; i < labels.size(); ++i) {
      if (i) out += ',';
      out += labels[i] + "=\"" + EscapeLabelValue(values[i]) + '"';
    }
    out += '}';
  }
  out += ' ' + FormatSampleValue(v) + '\n';
}

template <typename Samples>
void Family(std::string& out, const char* name, const char* type, const char* help,
            const std::vector<std::string>& labels, const Samples& samples) {
  Header(out, name, type, help);
  for (const auto& [key, v] : samples) Sample(out, name, labels, key, v);
}

}  // namespace

std::string EscapeLabelValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string FormatSampleValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

MetricsSource RouterMetricsSource(Router& router) {
  MetricsSource s;
  s.deployments = [&router] {
    auto table = router.table();
    TimePoint now = router.clock().Now();
    std::vector<DeploymentGauge> out;
    for (const auto& d : table->deployments()) {
      HealthFacts h = router.store().Health(*d->slot, now);
      out.push_back({d->cfg.id, !d->usable() ? 2 : h.cooling ? 1 : 0, h.in_flight});
    }
    return out;
  };
  s.known_model = [&router](std::string_view name) { return router.table()->Resolve(name) != nullptr; };
  s.state_backend_up = [&router] { return router.store().BackendUp(); };
  return s;
}

void Metrics::Histogram::Observe(double v) {
  for (size_t i = 0; i < bounds.size(); ++i)
    if (v <= bounds[i]) {
      ++counts[i];
      break;
    }
  sum += v;
  ++count;
}

Metrics::Metrics(MetricsSource source) : source_(std::move(source)) {
  duration_.bounds = kDurationBounds;
  duration_.counts.assign(kDurationBounds.size(), 0);
  ttft_.bounds = kFirstTokenBounds;
  ttft_.counts.assign(kFirstTokenBounds.size(), 0);
}

void Metrics::Add(Series& series, std::initializer_list<std::string_view> labels, double by) {
  auto it = series.find(labels);
  if (it == series.end()) it = series.emplace(Key(labels.begin(), labels.end()), 0.0).first;
  it->second += by;
}

void Metrics::OnAttempt(const AttemptRecord& a) {
  if (a.skipped) {  // the pre-flight check: no upstream attempt was made
    std::lock_guard<std::mutex> lock(mu_);
    Add(skips_, {a.deployment}, 1);
    return;
  }
  std::string_view outcome = a.ok ? "ok" : a.hedge_lost ? "hedge_lost" : KindName(a.kind);
  std::lock_guard<std::mutex> lock(mu_);
  Add(attempts_, {a.deployment, outcome}, 1);
}

void Metrics::OnRequestEnd(const RequestReport& r) {
  // An answered request named a known group; only a failure makes the (locked) table look.
  bool known = r.ok || !source_.known_model || source_.known_model(r.requested);
  std::string_view group = known ? std::string_view(r.requested) : "(unknown)";
  char status[16];
  std::string_view status_text(status, static_cast<size_t>(
      std::to_chars(status, status + sizeof status, r.status).ptr - status));

  std::lock_guard<std::mutex> lock(mu_);
  Add(requests_, {group, status_text, r.team}, 1);
  // The groups the request went through, in order: where it asked, where it tried, where
  // it was answered. Each change is one fallback.
  std::string_view previous = group;
  auto step = [&](std::string_view next) {
    if (next != previous) Add(fallbacks_, {previous, next}, 1);
    previous = next;
  };
  for (const auto& a : r.attempts) step(a.group);
  if (!r.group.empty()) step(r.group);
  duration_.Observe(Seconds(r.total));
  if (r.first_token && !r.cache_hit) ttft_.Observe(Seconds(*r.first_token));
  if (r.cache_hit) ++cache_hits_;
  if (!r.deployment.empty() && !r.cache_hit) {
    Add(tokens_, {r.deployment, "prompt", r.team}, static_cast<double>(r.usage.prompt_tokens));
    Add(tokens_, {r.deployment, "completion", r.team}, static_cast<double>(r.usage.completion_tokens));
    Add(cost_, {r.deployment, r.team}, r.cost_usd);
    if (r.usage.cached_tokens > 0) Add(cache_read_, {r.deployment}, static_cast<double>(r.usage.cached_tokens));
  }
}

std::map<std::string, double> Metrics::CacheReadTokens() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, double> out;
  for (const auto& [key, n] : cache_read_) out[key[0]] = n;
  return out;
}

std::string Metrics::Render() const {
  std::vector<DeploymentGauge> gauges;
  if (source_.deployments) gauges = source_.deployments();  // outside the lock: it reads the store
  std::optional<bool> backend_up;
  if (source_.state_backend_up) backend_up = source_.state_backend_up();

  std::string out;
  std::lock_guard<std::mutex> lock(mu_);
  Family(out, "detour_requests_total", "counter", "Requests by the group asked for, final HTTP status and team.",
         {"model_group", "status", "team"}, requests_);
  Family(out, "detour_attempts_total", "counter", "Upstream attempts by deployment and outcome (ok or an error kind).",
         {"deployment", "outcome"}, attempts_);
  Family(out, "detour_fallbacks_total", "counter", "Moves of a request from one model group to a fallback group.",
         {"from", "to"}, fallbacks_);
  for (auto [h, name, help] :
       {std::tuple{&duration_, "detour_request_duration_seconds", "Time from request start to its end, every request."},
        std::tuple{&ttft_, "detour_time_to_first_token_seconds",
                   "Streams: time from request start to the first token sent to the client."}}) {
    Header(out, name, "histogram", help);
    uint64_t cumulative = 0;
    std::string bucket = std::string(name) + "_bucket";
    for (size_t i = 0; i < h->bounds.size(); ++i) {
      cumulative += h->counts[i];
      Sample(out, bucket, {"le"}, {FormatSampleValue(h->bounds[i])}, static_cast<double>(cumulative));
    }
    Sample(out, bucket, {"le"}, {"+Inf"}, static_cast<double>(h->count));
    Sample(out, std::string(name) + "_sum", {}, {}, h->sum);
    Sample(out, std::string(name) + "_count", {}, {}, static_cast<double>(h->count));
  }
  Family(out, "detour_tokens_total", "counter", "Tokens billed by the answering deployment, by type and team.",
         {"deployment", "type", "team"}, tokens_);
  Family(out, "detour_cost_usd_total", "counter", "Cost in US dollars of answered requests, by deployment and team.",
         {"deployment", "team"}, cost_);
  Header(out, "detour_deployment_state", "gauge", "Deployment state: 0 healthy, 1 cooling, 2 unusable.");
  for (const auto& g : gauges) Sample(out, "detour_deployment_state", {"deployment"}, {g.id}, g.state);
  Header(out, "detour_in_flight", "gauge", "Upstream attempts in flight per deployment.");
  for (const auto& g : gauges) Sample(out, "detour_in_flight", {"deployment"}, {g.id}, g.in_flight);
  Header(out, "detour_cache_hits_total", "counter", "Requests answered from the response cache.");
  Sample(out, "detour_cache_hits_total", {}, {}, static_cast<double>(cache_hits_));
  if (backend_up) {
    Header(out, "detour_state_backend_up", "gauge", "Shared state backend (Redis): 1 connected, 0 degraded to local state.");
    Sample(out, "detour_state_backend_up", {}, {}, *backend_up ? 1 : 0);
  }
  Family(out, "detour_preflight_skips_total", "counter",
         "Deployments passed over because the prompt clearly exceeds their context window (no upstream request).",
         {"deployment"}, skips_);
  Family(out, "detour_cache_read_tokens_total", "counter",
         "Prompt tokens the answering deployment read from its provider's prompt cache.", {"deployment"}, cache_read_);
  return out;
}

}  // namespace detour
