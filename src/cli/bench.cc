// `detour bench` (SPEC 1.4): replay outage traces against the config through three arms
// (direct, retries, detour) over simulated providers, print the comparison, and exit 1
// when an `[expect]` gate is missed (2: bad config or trace, 130: interrupted).
//
// Traces: the TRACE arguments, else every *.toml / *.jsonl of the shipped examples/traces/,
// looked for in ./examples/traces, next to the binary (../examples/traces, for a build
// directory inside the source tree) and in the install prefix (../share/detour/traces).
// Config: the discovered one; with none, the built-in demo config (examples/detour.toml).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "bench/demo_config.h"
#include "bench/format.h"
#include "bench/gates.h"
#include "bench/report.h"
#include "bench/runner.h"
#include "cli/commands.h"
#include "cli/diagnostics.h"
#include "cli/runtime.h"
#include "config/trace.h"

namespace detour {
namespace {

namespace fs = std::filesystem;

struct BenchOptions {
  std::vector<std::string> traces;
  std::optional<uint64_t> seed;
  std::string speed = "auto";
  std::string format = "table";
  std::string output;
  std::string plot;
  std::string model;
};

std::vector<fs::path> TraceDirCandidates() {
  std::vector<fs::path> dirs = {fs::path("examples") / "traces"};
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path bin = exe.parent_path();
    dirs.push_back(bin / ".." / "examples" / "traces");
    dirs.push_back(bin / ".." / "share" / "detour" / "traces");
  }
  return dirs;
}

// The shipped traces, or nothing (after printing where it looked).
std::vector<std::string> ShippedTraces() {
  std::string looked;
  for (const auto& dir : TraceDirCandidates()) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      looked += (looked.empty() ? "" : ", ") + dir.lexically_normal().string();
      continue;
    }
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      auto ext = e.path().extension();
      if (e.is_regular_file() && (ext == ".toml" || ext == ".jsonl")) files.push_back(e.path().lexically_normal().string());
    }
    std::sort(files.begin(), files.end());
    if (!files.empty()) return files;
  }
  PrintError("no TRACE given and no shipped traces found (looked in " + looked +
             "); name trace files: detour bench TRACE.toml ...");
  return {};
}

// The config to benchmark: the discovered file, else the built-in demo config.
std::optional<Config> LoadBenchConfig(const GlobalOptions& g) {
  auto path = DiscoverConfigPath(g.config_path);
  if (!path) {
    std::cerr << "detour: no config found: benchmarking the built-in demo config "
                 "(the same as examples/detour.toml); pass --config to bench yours\n";
    // Keys are irrelevant against the simulator: read no environment variable.
    auto demo = LoadConfigText(bench::DemoConfigText(), "<built-in demo config>",
                               [](const std::string&) { return std::optional<std::string>(); });
    if (!demo) {
      ReportConfigErrors(demo.error());
      return std::nullopt;
    }
    demo->source = "built-in demo config";
    return std::move(demo.value());
  }
  auto loaded = LoadConfigFile(*path);
  if (!loaded) {
    ReportConfigErrors(loaded.error());
    return std::nullopt;
  }
  RegisterSecrets(*loaded);
  return std::move(loaded.value());
}

std::optional<std::vector<Trace>> LoadTraces(const std::vector<std::string>& files) {
  std::vector<Trace> traces;
  bool ok = true;
  for (const auto& f : files) {
    auto t = LoadTraceFile(f);
    if (!t) {
      ReportConfigErrors(t.error());
      ok = false;
      continue;
    }
    auto issues = bench::CheckGates(*t);
    for (const auto& i : issues) PrintError(i.ToString());
    if (!issues.empty()) ok = false;
    traces.push_back(std::move(t.value()));
  }
  if (!ok) return std::nullopt;
  return traces;
}

std::optional<std::optional<double>> ParseSpeed(const std::string& s) {
  if (s == "auto") return std::optional<double>();
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0' || !(v > 0) || v > 100000) return std::nullopt;
  return std::optional<double>(v);
}

// "\r  openai-5xx-incident [#########.........] 12m/30m" on a terminal.
std::function<void(Millis, Millis)> ProgressBar(const std::string& name) {
  auto last = std::make_shared<int>(-1);
  return [name, last](Millis now, Millis duration) {
    int width = 30;
    int filled = duration.count() > 0 ? static_cast<int>(width * now.count() / duration.count()) : width;
    filled = std::clamp(filled, 0, width);
    int minute = static_cast<int>(now.count() / 60000);
    if (filled * 1000 + minute == *last) return;
    *last = filled * 1000 + minute;
    std::cerr << "\r  " << name << " [" << std::string(filled, '#') << std::string(width - filled, '.') << "] "
              << minute << "m/" << duration.count() / 60000 << "m" << (now >= duration ? "\n" : "") << std::flush;
  };
}

bool WriteFile(const std::string& path, const std::string& text, const char* what) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) PrintError(std::string(what) + " " + path + ": cannot write the file");
  return static_cast<bool>(out);
}

int Report(const bench::BenchReport& report, const BenchOptions& o) {
  bool colour = o.output.empty() && isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;
  std::string text = o.format == "json" ? bench::RenderJson(report) : bench::RenderTable(report, colour);
  if (o.output.empty()) std::cout << text << std::flush;
  else if (!WriteFile(o.output, text, "-o")) return kExitUsage;
  if (!o.plot.empty() && !WriteFile(o.plot, bench::RenderSvg(report), "--plot")) return kExitUsage;
  if (report.GatesOk()) return kExitOk;
  for (const auto& t : report.traces)
    for (const auto& g : t.gates)
      if (!g.ok)
        PrintError("gate missed: " + t.name + ": " + g.Name() + (g.expect.is_max ? " <= " : " >= ") +
                   bench::FormatFixed(g.expect.bound, 4) + ", measured " + bench::FormatFixed(g.value, 4) +
                   " (" + t.file + ":" + std::to_string(g.expect.line) + ")");
  return kExitFailed;
}

int RunBench(const GlobalOptions& g, const BenchOptions& o) {
  if (!ApplyLogOptions(g)) return kExitUsage;
  if (o.format != "table" && o.format != "json") {
    PrintError("--format: unknown format \"" + o.format + "\" (use table or json)");
    return kExitUsage;
  }
  auto speed = ParseSpeed(o.speed);
  if (!speed) {
    PrintError("--speed: \"" + o.speed + "\" is not auto or a positive number (e.g. --speed 60)");
    return kExitUsage;
  }
  auto config = LoadBenchConfig(g);
  if (!config) return kExitUsage;
  std::vector<std::string> files = o.traces.empty() ? ShippedTraces() : o.traces;
  if (files.empty()) return kExitUsage;
  auto traces = LoadTraces(files);
  if (!traces) return kExitUsage;

  CancelFlag interrupted{false};
  InstallInterruptFlag(&interrupted);
  bench::BenchReport report;
  report.config = config->source;
  report.seed = o.seed ? *o.seed : g.seed ? *g.seed : 1;
  bool progress = isatty(STDERR_FILENO);
  for (const auto& trace : *traces) {
    bench::RunOptions ro;
    ro.seed = report.seed;
    ro.speed = *speed;
    ro.group = o.model;
    ro.cancel = &interrupted;
    if (progress) ro.progress = ProgressBar(trace.name);
    auto result = bench::RunTrace(trace, *config, ro);
    if (interrupted.load()) return kExitInterrupted;
    if (!result) {
      PrintError(trace.path + ": " + result.error());
      return o.model.empty() ? kExitFailed : kExitUsage;
    }
    report.traces.push_back(std::move(result.value()));
  }
  return Report(report, o);
}

}  // namespace

void AddBenchCommand(CLI::App& app, const GlobalOptions& g, int* exit_code) {
  auto opts = std::make_shared<BenchOptions>();
  auto* cmd = app.add_subcommand("bench", "replay outage traces through direct, retries and detour, side by side");
  cmd->add_option("trace", opts->traces, "trace files (.toml, or a [record] .jsonl); default: examples/traces/*");
  cmd->add_option("--seed", opts->seed, "fault schedule, traffic and routing seed (default 1)");
  cmd->add_option("--speed", opts->speed, "auto (a trace takes about 25 s) or how many times faster than real time");
  cmd->add_option("--format", opts->format, "table | json");
  cmd->add_option("-o,--output", opts->output, "write the report to FILE instead of stdout");
  cmd->add_option("--plot", opts->plot, "write an SVG chart of error rate and p99 latency over trace time");
  cmd->add_option("-m,--model", opts->model, "model group the traffic asks for (default: the one the trace hits)");
  cmd->callback([&g, opts, exit_code] { *exit_code = RunBench(g, *opts); });
}

}  // namespace detour
