// `detour sim --trace T [--listen ADDR] [--seed N]` (SPEC 1.5): serves a trace's simulated
// providers on one loopback port, prints one base URL per protocol on stdout, and runs
// until SIGINT/SIGTERM (exit 0). A trace that does not load exits 2 with file:line.
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>

#include "cli/commands.h"
#include "cli/diagnostics.h"
#include "cli/runtime.h"
#include "config/trace.h"
#include "sim/simulator.h"

namespace detour {
namespace {

struct SimCliOptions {
  std::string trace;
  std::string listen = "127.0.0.1:0";
  std::optional<uint64_t> seed;
};

int RunSim(const GlobalOptions& g, const SimCliOptions& o) {
  if (!ApplyLogOptions(g)) return kExitUsage;
  auto trace = LoadTraceFile(o.trace);
  if (!trace.ok()) return ReportConfigErrors(trace.error());
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts

  sim::SimOptions so;
  so.listen = o.listen;
  so.seed = o.seed.value_or(g.seed.value_or(1));
  auto sim = sim::Simulator::Start(*trace, so);
  if (!sim.ok()) {
    PrintError("--listen: " + sim.error());
    return kExitUsage;
  }
  for (const char* p : {"openai", "azure", "anthropic", "gemini"})
    std::printf("%-9s %s\n", p, (*sim)->BaseUrl(p).c_str());
  std::fflush(stdout);
  std::fprintf(stderr, "detour: simulating \"%s\" (%lld s, %zu fault(s)%s, seed %llu); Ctrl-C to stop\n",
               trace->name.c_str(), static_cast<long long>(trace->duration.count() / 1000),
               trace->faults.size(), trace->recorded.empty() ? "" : ", recorded",
               static_cast<unsigned long long>(so.seed));
  std::fflush(stderr);
  int sig = 0;
  while (sigwait(&signals, &sig) != 0) {
  }
  (*sim)->Stop();
  auto c = (*sim)->Counters();
  long total = 0;
  for (const auto& [k, n] : c.requests) total += n;
  std::fprintf(stderr, "detour: served %ld request(s), %ld with a fault\n", total, c.faults);
  return kExitOk;
}

}  // namespace

void AddSimCommand(CLI::App& app, const GlobalOptions& g, int* exit_code) {
  auto opts = std::make_shared<SimCliOptions>();
  auto* cmd = app.add_subcommand("sim", "serve a trace's simulated providers (OpenAI, Azure, Anthropic, "
                                        "Gemini) with its faults, for testing any app or gateway");
  cmd->add_option("--trace", opts->trace, "trace file (.toml, or a [record] .jsonl)")->required();
  cmd->add_option("--listen", opts->listen, "HOST:PORT on loopback (default 127.0.0.1:0, any free port)");
  cmd->add_option("--seed", opts->seed, "fault schedule seed (default 1): same seed, same faults");
  cmd->callback([&g, opts, exit_code] { *exit_code = RunSim(g, *opts); });
}

}  // namespace detour
