// `detour check` (SPEC 1.3): lint the config, probe every deployment in parallel, report
// as a table, JSON, JUnit or GitHub annotations, and exit 0/1 for CI (2: unreadable config).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <iostream>
#include <set>

#include "check/explain.h"
#include "check/lint.h"
#include "check/probe_all.h"
#include "check/report.h"
#include "cli/commands.h"
#include "cli/diagnostics.h"
#include "cli/runtime.h"
#include "config/values.h"
#include "net/http_client.h"
#include "util/suggest.h"

namespace detour {
namespace {

struct CheckOptions {
  std::vector<std::string> models;
  bool offline = false;
  std::string format = "table";
  std::string output;
  std::string timeout = "10s";
  bool allow_degraded = false;
  std::string explain;
};

// The discovered config, read leniently: validation issues come back as lint input.
std::optional<LintableConfig> LoadForCheck(const GlobalOptions& g) {
  auto path = DiscoverConfigPath(g.config_path);
  if (!path) return LintableConfig{EmbeddedDefaultConfig(), {}, {}};
  auto loaded = LoadConfigFileForLint(*path);
  if (!loaded) {
    ReportConfigErrors(loaded.error());
    return std::nullopt;
  }
  return std::move(loaded.value());
}

// -m groups plus every group their fallback chains reach (a verdict needs those probes).
// Empty = all groups. nullopt (after printing) when a name is unknown.
std::optional<std::vector<std::string>> SelectGroups(const Config& c, const std::vector<std::string>& asked) {
  std::vector<std::string> all = c.GroupNames();
  if (asked.empty()) return all;
  std::set<std::string> seen;
  std::deque<std::string> queue;
  for (const auto& m : asked) {
    if (std::find(all.begin(), all.end(), m) == all.end()) {
      PrintError("-m: unknown model group \"" + m + "\"" + DidYouMean(m, all));
      return std::nullopt;
    }
    if (seen.insert(m).second) queue.push_back(m);
  }
  while (!queue.empty()) {
    auto it = c.router.fallbacks.find(queue.front());
    queue.pop_front();
    if (it == c.router.fallbacks.end()) continue;
    for (const auto& next : it->second)
      if (std::find(all.begin(), all.end(), next) != all.end() && seen.insert(next).second)
        queue.push_back(next);
  }
  std::vector<std::string> out;
  for (const auto& g : all)
    if (seen.count(g)) out.push_back(g);
  return out;
}

std::optional<Millis> ParseTimeout(const std::string& text) {
  if (auto d = ParseDuration(text)) return d;
  char* end = nullptr;
  double s = std::strtod(text.c_str(), &end);
  if (end && *end == '\0' && end != text.c_str()) return DurationFromSeconds(s);
  return std::nullopt;
}

check::CheckReport BuildReport(const LintableConfig& loaded, const std::vector<std::string>& groups,
                               const CheckOptions& o, Millis timeout) {
  check::CheckReport r;
  r.config_file = loaded.config.source;
  r.offline = o.offline;
  r.groups = groups;
  r.findings = check::Lint(loaded, o.models.empty() ? std::vector<std::string>{} : groups);
  if (o.offline) return r;
  std::vector<DeploymentConfig> deps;
  for (const auto& d : loaded.config.deployments)
    if (std::find(groups.begin(), groups.end(), d.model_name) != groups.end()) deps.push_back(d);
  auto http = net::MakeHttpClient();
  r.probes = check::ProbeAll(deps, timeout, *http, SystemClock());
  r.verdicts = check::Verdicts(loaded.config, groups, r.probes);
  return r;
}

std::string Render(const check::CheckReport& r, const std::string& format, bool to_terminal) {
  if (format == "json") return check::RenderJson(r);
  if (format == "junit") return check::RenderJunit(r);
  if (format == "github") return check::RenderGithub(r);
  bool colour = to_terminal && std::getenv("NO_COLOR") == nullptr;
  return check::RenderTable(r, colour);
}

int Explain(const std::string& rule) {
  if (auto text = check::ExplainRule(rule)) {
    std::cout << *text;
    return kExitOk;
  }
  std::string names;
  for (const auto& n : check::RuleNames()) names += (names.empty() ? "" : ", ") + n;
  PrintError("--explain: unknown rule \"" + rule + "\"" + DidYouMean(rule, check::RuleNames()) +
             "; rules: " + names);
  return kExitUsage;
}

int WriteOutput(const std::string& text, const std::string& path) {
  if (path.empty()) {
    std::cout << text << std::flush;
    return kExitOk;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    PrintError("-o " + path + ": cannot write the report");
    return kExitUsage;
  }
  return kExitOk;
}

int RunCheck(const GlobalOptions& g, const CheckOptions& o) {
  if (!ApplyLogOptions(g)) return kExitUsage;
  if (!o.explain.empty()) return Explain(o.explain);
  auto timeout = ParseTimeout(o.timeout);
  if (!timeout || timeout->count() <= 0) {
    PrintError("--timeout: \"" + o.timeout + "\" is not a duration (e.g. 10s, 500ms, 2m)");
    return kExitUsage;
  }
  auto loaded = LoadForCheck(g);
  if (!loaded) return kExitUsage;
  RegisterSecrets(loaded->config);
  if (loaded->config.deployments.empty() && loaded->issues.empty()) {
    PrintError("no deployments to check: write a detour.toml, or set OPENAI_API_KEY, "
               "ANTHROPIC_API_KEY or GEMINI_API_KEY");
    return kExitUsage;
  }
  auto groups = SelectGroups(loaded->config, o.models);
  if (!groups) return kExitUsage;
  check::CheckReport report = BuildReport(*loaded, *groups, o, *timeout);
  bool terminal = o.output.empty() && isatty(STDOUT_FILENO);
  if (int rc = WriteOutput(Render(report, o.format, terminal), o.output); rc != kExitOk) return rc;
  return check::ExitCode(report, o.allow_degraded);
}

}  // namespace

void AddCheckCommand(CLI::App& app, const GlobalOptions& g, int* exit_code) {
  auto o = std::make_shared<CheckOptions>();
  auto* cmd = app.add_subcommand("check", "lint the config and probe every deployment (for CI)");
  cmd->add_option("-m,--model", o->models, "limit to these model groups (and their fallbacks)");
  cmd->add_flag("--offline", o->offline, "lint only, probe nothing");
  cmd->add_option("--format", o->format, "table | json | junit | github")
      ->check(CLI::IsMember({"table", "json", "junit", "github"}));
  cmd->add_option("-o,--output", o->output, "write the report to FILE instead of stdout");
  cmd->add_option("--timeout", o->timeout, "bound of each probe (default 10s)");
  cmd->add_flag("--allow-degraded", o->allow_degraded,
                "exit 0 while every group can still be served, itself or through fallbacks");
  cmd->add_option("--explain", o->explain, "print why a lint rule exists, and exit");
  cmd->callback([&g, o, exit_code] { *exit_code = RunCheck(g, *o); });
}

}  // namespace detour
