#include "check/lint.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

namespace detour::check {
namespace {

bool Selected(const std::vector<std::string>& groups, const std::string& g) {
  return groups.empty() || std::find(groups.begin(), groups.end(), g) != groups.end();
}

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// Validation issues become findings. The rule is read from the message's opening words:
// config/ words them ("unknown key", "fallback cycle", "unknown model group") and this is
// the one place that depends on that wording.
Finding FromIssue(const ConfigIssue& i) {
  Finding f{Severity::kError, "invalid-value", i.key_path, i.file, i.line, i.message, ""};
  if (StartsWith(i.message, "unknown key")) {
    f.rule = "unknown-key";
    f.fix = "fix the key's name (see the suggestion) or remove it";
  } else if (StartsWith(i.message, "fallback cycle")) {
    f.rule = "fallback-cycle";
    f.fix = "remove one fallback so the chain ends";
  } else if (StartsWith(i.message, "unknown model group") &&
             i.key_path.find("fallbacks") != std::string::npos) {
    f.rule = "unknown-fallback";
    f.fix = "name a group some [[deployments]] defines with model_name";
  } else {
    f.fix = "correct the value as the message says";
  }
  return f;
}

struct Ctx {
  const LintableConfig& in;
  const std::vector<std::string>& groups;
  std::vector<Finding> out;

  const Config& c() const { return in.config; }
  int LineOf(const std::string& path) const {
    auto it = in.lines.find(path);
    return it == in.lines.end() ? 0 : it->second;
  }
  void Add(Severity s, std::string rule, std::string path, int line, std::string msg,
           std::string fix) {
    out.push_back({s, std::move(rule), std::move(path), c().source, line, std::move(msg),
                   std::move(fix)});
  }
};

// The host of an api_base ("https://a.example.com:8443/v1" -> "a.example.com:8443").
std::string Host(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t end = url.find('/', start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// What fails together in a provider-wide outage (see lint.h).
std::string OutageDomain(const DeploymentConfig& d) {
  if (d.provider == "openai-compatible" || d.provider == "azure")
    return d.provider + "@" + Host(d.api_base);
  return d.provider;
}

std::set<std::string> Domains(const Config& c, const std::string& group) {
  std::set<std::string> out;
  for (const auto& d : c.deployments)
    if (d.model_name == group) out.insert(OutageDomain(d));
  return out;
}

void MissingEnv(Ctx& x) {
  for (size_t i = 0; i < x.c().deployments.size(); ++i) {
    const auto& d = x.c().deployments[i];
    if (d.missing_env.empty() || !Selected(x.groups, d.model_name)) continue;
    x.Add(Severity::kError, "missing-env", "deployments[" + std::to_string(i) + "].api_key",
          d.line, "deployment \"" + d.id + "\": variable " + d.missing_env + " is not set",
          "export " + d.missing_env + " where detour runs, or remove the deployment");
  }
}

void SameProvider(Ctx& x) {
  for (const auto& [group, targets] : x.c().router.fallbacks) {
    if (targets.empty() || !Selected(x.groups, group)) continue;
    std::set<std::string> own = Domains(x.c(), group);
    if (own.empty()) continue;
    bool all_same = true, any = false;  // unknown targets are unknown-fallback's business
    for (const auto& t : targets)
      for (const auto& dom : Domains(x.c(), t)) all_same = all_same && own.count(dom), any = true;
    if (!all_same || !any) continue;
    std::string path = "router.fallbacks." + group;
    x.Add(Severity::kWarning, "same-provider-fallback", path, x.LineOf(path),
          "every fallback of \"" + group + "\" is on " + *own.begin() +
              " like the group itself: a provider-wide outage takes both down",
          "add a fallback group served by another provider");
  }
}

std::set<std::string> FallbackTargets(const Config& c) {
  std::set<std::string> out;
  for (const auto& [_, targets] : c.router.fallbacks) out.insert(targets.begin(), targets.end());
  return out;
}

void NoFallback(Ctx& x) {
  std::set<std::string> targets = FallbackTargets(x.c());
  for (const auto& g : x.c().GroupNames()) {
    if (!Selected(x.groups, g) || targets.count(g)) continue;
    auto it = x.c().router.fallbacks.find(g);
    if (it != x.c().router.fallbacks.end() && !it->second.empty()) continue;
    x.Add(Severity::kWarning, "no-fallback", "router.fallbacks." + g, 0,
          "group \"" + g + "\" has no fallback: when its deployments fail, callers get the error",
          "add router.fallbacks." + g + " = [\"<group on another provider>\"]");
  }
}

void NoTimeout(Ctx& x) {
  if (x.LineOf("router.timeout") || x.LineOf("router.request_timeout")) return;
  for (size_t i = 0; i < x.c().deployments.size(); ++i) {
    const auto& d = x.c().deployments[i];
    if (d.timeout || !Selected(x.groups, d.model_name)) continue;
    x.Add(Severity::kWarning, "no-timeout", "deployments[" + std::to_string(i) + "].timeout",
          d.line, "deployment \"" + d.id + "\" has no timeout and the router sets none "
                  "(the built-in 30s per attempt applies)",
          "set router.timeout (and router.request_timeout), or timeout on the deployment");
  }
}

void NoPrice(Ctx& x) {
  for (size_t i = 0; i < x.c().deployments.size(); ++i) {
    const auto& d = x.c().deployments[i];
    if (d.price || !Selected(x.groups, d.model_name)) continue;
    x.Add(Severity::kWarning, "no-price", "deployments[" + std::to_string(i) + "].price", d.line,
          "deployment \"" + d.id + "\" has no price: its cost is not counted",
          "add price = { input = ..., output = ... } (USD per million tokens)");
  }
}

// Mean input + output price over the group's priced deployments; < 0 when none is priced.
double GroupPrice(const Config& c, const std::string& group) {
  double sum = 0;
  int n = 0;
  for (const auto& d : c.deployments)
    if (d.model_name == group && d.price) sum += d.price->input + d.price->output, ++n;
  return n ? sum / n : -1;
}

void ExpensiveFallback(Ctx& x) {
  for (const auto& [group, targets] : x.c().router.fallbacks) {
    if (!Selected(x.groups, group)) continue;
    double own = GroupPrice(x.c(), group);
    if (own <= 0) continue;
    for (size_t i = 0; i < targets.size(); ++i) {
      double theirs = GroupPrice(x.c(), targets[i]);
      if (theirs <= 2 * own) continue;
      char ratio[32];
      std::snprintf(ratio, sizeof ratio, "%.1fx", theirs / own);
      std::string path = "router.fallbacks." + group + "[" + std::to_string(i) + "]";
      x.Add(Severity::kInfo, "expensive-fallback", path, x.LineOf(path),
            "fallback \"" + targets[i] + "\" costs " + ratio + " its primary \"" + group + "\"",
            "make sure a long failover at " + std::string(ratio) + " the cost is intended");
    }
  }
}

}  // namespace

std::vector<Finding> Lint(const LintableConfig& loaded, const std::vector<std::string>& groups) {
  Ctx x{loaded, groups, {}};
  for (const auto& issue : loaded.issues) x.out.push_back(FromIssue(issue));
  MissingEnv(x);
  SameProvider(x);
  NoFallback(x);
  NoTimeout(x);
  NoPrice(x);
  ExpensiveFallback(x);
  std::stable_sort(x.out.begin(), x.out.end(), [](const Finding& a, const Finding& b) {
    int la = a.line == 0 ? INT32_MAX : a.line, lb = b.line == 0 ? INT32_MAX : b.line;
    return la < lb;
  });
  return std::move(x.out);
}

}  // namespace detour::check
