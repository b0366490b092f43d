#include "check/probe_all.h"

#include <deque>
#include <set>
#include <thread>

#include "providers/provider.h"
#include "util/log.h"

namespace detour::check {
namespace {

ProbeResult Skeleton(const DeploymentConfig& d) {
  ProbeResult r;
  r.deployment = d.id;
  r.group = d.model_name;
  r.provider = d.provider;
  r.line = d.line;
  return r;
}

ProbeResult ProbeOne(const DeploymentConfig& d, Millis timeout, net::HttpClient& http,
                     Clock& clock) {
  ProbeResult r = Skeleton(d);
  if (!d.missing_env.empty()) {
    r.message = "not probed: " + d.missing_env + " is not set";
    return r;
  }
  auto provider = MakeProvider(d, http, clock);
  if (!provider) {
    r.message = "not probed: provider \"" + d.provider + "\" is not supported by this build";
    return r;
  }
  TimePoint start = clock.Now();
  AttemptLimits limits;
  limits.deadline = limits.first_token_deadline = limits.hard_deadline = start + timeout;
  auto report = provider->Probe(limits);
  r.latency = std::chrono::duration_cast<Millis>(clock.Now() - start);
  if (report) {
    r.status = ProbeStatus::kOk;
    r.http_status = report->status;
    return r;
  }
  r.status = ProbeStatus::kFailed;
  r.http_status = report.error().status;
  r.kind = std::string(KindName(report.error().kind));
  r.message = log::Redact(report.error().message);
  return r;
}

}  // namespace

std::vector<ProbeResult> ProbeAll(const std::vector<DeploymentConfig>& deployments,
                                  Millis timeout, net::HttpClient& http, Clock& clock) {
  std::vector<ProbeResult> results(deployments.size());
  std::vector<std::thread> threads;
  threads.reserve(deployments.size());
  for (size_t i = 0; i < deployments.size(); ++i)
    threads.emplace_back([&, i] { results[i] = ProbeOne(deployments[i], timeout, http, clock); });
  for (auto& t : threads) t.join();
  return results;
}

namespace {

bool GroupAnswered(const std::string& group, const std::vector<ProbeResult>& probes) {
  for (const auto& p : probes)
    if (p.group == group && p.status == ProbeStatus::kOk) return true;
  return false;
}

// Breadth-first along router.fallbacks: the nearest group that answered, or "".
std::string FirstServingFallback(const Config& c, const std::string& group,
                                 const std::vector<ProbeResult>& probes) {
  std::set<std::string> seen{group};
  std::deque<std::string> queue{group};
  while (!queue.empty()) {
    std::string g = queue.front();
    queue.pop_front();
    auto it = c.router.fallbacks.find(g);
    if (it == c.router.fallbacks.end()) continue;
    for (const auto& next : it->second) {
      if (!seen.insert(next).second) continue;
      if (GroupAnswered(next, probes)) return next;
      queue.push_back(next);
    }
  }
  return "";
}

}  // namespace

std::vector<GroupVerdict> Verdicts(const Config& config, const std::vector<std::string>& groups,
                                   const std::vector<ProbeResult>& probes) {
  std::vector<GroupVerdict> out;
  for (const auto& g : groups) {
    GroupVerdict v{g, Verdict::kDown, ""};
    if (GroupAnswered(g, probes)) {
      v.verdict = Verdict::kPrimary;
      v.served_by = g;
    } else if (std::string f = FirstServingFallback(config, g, probes); !f.empty()) {
      v.verdict = Verdict::kFallbacksOnly;
      v.served_by = f;
    }
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace detour::check
