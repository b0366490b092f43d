// `detour serve` (SPEC 1.1, 4, 6): the local OpenAI-compatible proxy. Signals are handled
// on the main thread with sigwait (blocked everywhere else): SIGHUP reloads the config,
// SIGINT/SIGTERM close the listener at once and wait up to shutdown_grace for in-flight
// requests and streams, then exit 0 (a second SIGINT exits 130 at once).
#include <CLI/CLI.hpp>
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/demo.h"
#include "cli/diagnostics.h"
#include "cli/listen_address.h"
#include "cli/runtime.h"
#include "core/prober.h"
#include "net/http_server.h"
#include "server/budget.h"
#include "server/gateway.h"
#include "server/metrics.h"
#include "server/observers.h"
#include "server/request_log.h"
#include "util/fiber.h"
#include "util/log.h"

namespace detour {
namespace {

struct ServeOptions {
  std::string listen;
  bool demo = false;                // --demo: simulated providers (cli/demo.h)
  std::optional<double> demo_phase;  // hidden: start that many seconds into the demo cycle
};

// Every stream holds two descriptors (client and upstream); the usual soft limit of 1024
// would refuse connections near 500 streams, so serve takes what the hard limit allows.
void RaiseFdLimit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= lim.rlim_max) return;
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
}

sigset_t ServeSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

void Reload(const GlobalOptions& g, Runtime& rt, Gateway& gw, Budgets& budgets, const std::string& listen) {
  auto loaded = LoadDiscoveredConfig(g.config_path);
  if (!loaded.ok()) {
    for (const auto& issue : loaded.error().issues) log::Error("reload: " + issue.ToString());
    log::Error("reload: the new config is invalid; still serving the previous one");
    return;
  }
  RegisterSecrets(*loaded);
  if (loaded->server.listen != listen)
    log::Warn("reload: server.listen changed; restart detour to listen elsewhere");
  if (loaded->server.threads != rt.router->table()->config().server.threads)
    log::Warn("reload: server.threads changed; it takes effect when detour restarts");
  gw.SetClients(loaded->server);
  budgets.SetClients(loaded->server.clients);
  rt.router->Reload(rt.BuildTable(std::move(loaded.value())));
  log::Info("reload: config reloaded from " + rt.router->table()->config().source);
}

// Closes the listener, waits for in-flight work up to `grace`. Returns the exit code.
int Drain(net::HttpServer& http, Millis grace, const sigset_t& signals) {
  http.Stop();
  log::Info("shutting down: waiting up to " + std::to_string(grace.count()) + " ms for " +
            std::to_string(http.InFlight()) + " in-flight request(s)");
  Clock& clock = SystemClock();
  TimePoint until = clock.Now() + grace;
  while (http.InFlight() > 0 && clock.Now() < until) {
    timespec poll{0, 10'000'000};  // wake every 10 ms to look at the in-flight count
    int sig = sigtimedwait(&signals, nullptr, &poll);
    if (sig == SIGINT) return kExitInterrupted;  // a second Ctrl-C: stop waiting
  }
  if (http.InFlight() > 0)
    log::Warn("shutdown_grace passed with " + std::to_string(http.InFlight()) + " request(s) still running");
  return kExitOk;
}

int RunServe(const GlobalOptions& g, const ServeOptions& o) {
  if (!ApplyLogOptions(g)) return kExitUsage;
  std::optional<Demo> demo;  // --demo: its providers live as long as serve
  if (o.demo) {
    auto started = StartDemo(o.listen.empty() ? "127.0.0.1:4000" : o.listen, o.demo_phase);
    if (!started.ok()) {
      PrintError(started.error());
      return kExitFailed;
    }
    demo = std::move(*started);
  }
  auto config = demo ? std::optional<Config>(demo->config) : LoadConfigOrReport(g);
  if (!config) return kExitUsage;
  if (config->deployments.empty()) {
    PrintError("no config file found and no provider key set. Write a detour.toml (see README), or set "
               "OPENAI_API_KEY, ANTHROPIC_API_KEY or GEMINI_API_KEY");
    return kExitUsage;
  }
  std::string listen = o.listen.empty() ? config->server.listen : o.listen;
  auto addr = ParseListenAddress(listen);
  if (!addr.ok()) {
    PrintError("--listen / server.listen: " + addr.error());
    return kExitUsage;
  }
  if (!addr->loopback && config->server.api_keys.empty() && !config->server.allow_unauthenticated) {
    PrintError("refusing to listen on " + listen + " without server.api_keys: anyone on the network could "
               "spend your provider credit. Set server.api_keys, listen on 127.0.0.1, or set "
               "server.allow_unauthenticated = true");
    return kExitUsage;
  }

  // Block the signals before any thread starts so every thread inherits the mask.
  sigset_t signals = ServeSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  RaiseFdLimit();
  // Before anything starts a fiber. With --demo the simulated providers already run, on
  // the default count (the demo's config has none).
  if (config->server.threads > 0 && !fiber::SetSchedulerCount(static_cast<size_t>(config->server.threads)))
    log::Warn("server.threads is ignored: the scheduler threads already run");
  Runtime rt = BuildRuntime(*config, g);
  RequestLog request_log;  // one line per request, one per failed attempt
  rt.router->AddObserver(&request_log);
  Metrics metrics(RouterMetricsSource(*rt.router));  // GET /metrics
  rt.router->AddObserver(&metrics);
  auto observers = MakeConfiguredObservers(*config, *rt.router);  // [usage], [record], [telemetry]
  if (!observers.ok()) {
    PrintError(observers.error());
    return kExitUsage;
  }
  observers->AttachTo(*rt.router);
  Prober prober(*rt.router);  // brings cooling deployments back as soon as they heal
  prober.Start();
  Budgets budgets(rt.router->store(), rt.router->clock());  // team spend, budget or not
  budgets.SetClients(config->server.clients);
  // Spend survives a restart: today's and this month's lines of the usage log count again.
  // A shared store ([state] backend = "redis") keeps it in Redis: replaying would add it twice.
  if (!config->usage.log.empty() && !rt.router->store().BackendUp()) {
    size_t replayed = budgets.ReplayUsageLog(config->usage.log);
    if (replayed > 0) log::Info("budgets: " + std::to_string(replayed) + " request(s) of the current period read back from " + config->usage.log);
  }
  rt.router->AddObserver(&budgets);
  StatusBoard board(rt.router->clock());  // GET /ui and `detour status`
  rt.router->AddObserver(&board);
  Gateway gw(*rt.router, config->server);
  gw.SetBudgets(&budgets);
  gw.SetStatusBoard(&board);
  gw.SetMetrics(&metrics);
  net::ServerOptions so;
  so.host = addr->host;
  so.port = addr->port;
  so.max_body = config->server.max_body;
  so.on_error = [&gw](const net::ServerRequest& req, net::ServerResponse& out) { gw.OnHttpError(req, out); };
  auto http = net::MakeHttpServer(so);
  gw.Install(*http);
  auto port = http->Bind();
  if (!port.ok()) {
    PrintError(port.error());
    return kExitFailed;
  }
  std::thread server([&] { http->Run(); });
  server.detach();  // Drain decides when the process ends
  // The demo's hint goes first: whoever waits for the "listening on" line (tests, scripts) then
  // has every line of the banner.
  if (demo)
    std::fprintf(stderr, "detour: demo: group \"demo\" = simulated OpenAI \"primary\" (503 during the third "
                 "minute of every three), falling back to simulated Anthropic \"backup\". Try:\n"
                 "  curl -si http://%s:%d/v1/chat/completions -d '{\"model\":\"demo\",\"messages\":"
                 "[{\"role\":\"user\",\"content\":\"hi\"}]}'\n",
                 addr->host.c_str(), *port);
  std::fflush(stderr);
  log::Print("detour: listening on http://" + addr->host + ":" + std::to_string(*port) + "/v1 (config: " +
             config->source + ")");

  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP && demo) continue;  // nothing to reload
    if (sig == SIGHUP) {
      Reload(g, rt, gw, budgets, listen);
      continue;
    }
    int code = Drain(*http, config->server.shutdown_grace, signals);
    observers->Flush();  // queued usage / record lines and spans, before _exit skips destructors
    std::fflush(stdout);
    std::fflush(stderr);
    _exit(code);  // detached connection threads may still be winding down
  }
}

}  // namespace

void AddServeCommand(CLI::App& app, const GlobalOptions& g, int* exit_code) {
  auto opts = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand("serve", "run the local OpenAI-compatible proxy");
  cmd->add_option("--listen", opts->listen, "HOST:PORT to listen on (default: server.listen, 127.0.0.1:4000)");
  cmd->add_flag("--demo", opts->demo, "run against two simulated providers, the primary failing one "
                                       "minute in three: watch x-detour-deployment switch (no keys needed)");
  cmd->add_option("--demo-phase", opts->demo_phase, "(testing) start the demo this many seconds into its "
                                                     "3-minute cycle; 120 = failing now")
      ->group("");
  cmd->callback([&g, opts, exit_code] { *exit_code = RunServe(g, *opts); });
}

}  // namespace detour
