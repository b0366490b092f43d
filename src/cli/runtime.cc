#include "cli/runtime.h"

#include <atomic>
#include <csignal>
#include <unistd.h>

#include "cli/diagnostics.h"
#include "core/memory_state_store.h"
#include "core/redis_state_store.h"
#include "util/log.h"

namespace detour {

bool ApplyLogOptions(const GlobalOptions& g) {
  log::Level level;
  if (!log::ParseLevel(g.log_level, &level)) {
    PrintError("--log-level: unknown level \"" + g.log_level +
               "\" (use error, warn, info, debug or trace)");
    return false;
  }
  if (g.log_format != "text" && g.log_format != "json") {
    PrintError("--log-format: unknown format \"" + g.log_format + "\" (use text or json)");
    return false;
  }
  log::SetLevel(level);
  log::SetJson(g.log_format == "json");
  return true;
}

void RegisterSecrets(const Config& config) {
  for (const auto& d : config.deployments) log::RegisterSecret(d.api_key);
  for (const auto& k : config.server.api_keys) log::RegisterSecret(k);
  log::RegisterSecret(config.state.password);
}

std::optional<Config> LoadConfigOrReport(const GlobalOptions& g) {
  auto loaded = LoadDiscoveredConfig(g.config_path);
  if (!loaded.ok()) {
    ReportConfigErrors(loaded.error());
    return std::nullopt;
  }
  RegisterSecrets(*loaded);
  return std::move(loaded.value());
}

std::shared_ptr<const RouteTable> Runtime::BuildTable(Config config) {
  return RouteTable::Build(std::move(config), *http, *store, SystemClock());
}

std::shared_ptr<StateStore> MakeStateStore(const StateConfig& s) {
  if (s.backend != "redis") return std::make_shared<MemoryStateStore>();
  RedisStateStore::Options o;
  o.endpoint = {s.host, s.port, s.tls, s.db, s.username, s.password};
  o.prefix = s.prefix;
  return std::make_shared<RedisStateStore>(std::move(o), SystemClock());
}

Runtime BuildRuntime(const Config& config, const GlobalOptions& g) {
  Runtime rt;
  rt.http = net::MakeHttpClient();
  rt.store = MakeStateStore(config.state);
  auto table = rt.BuildTable(config);
  rt.router = std::make_unique<Router>(std::move(table), rt.store, SystemClock(),
                                       g.seed ? *g.seed : RandomRootSeed());
  return rt;
}

namespace {
CancelFlag* g_interrupt = nullptr;
std::atomic<int> g_interrupts{0};

void OnInterrupt(int sig) {
  if (g_interrupt) g_interrupt->store(true);
  if (sig == SIGINT && ++g_interrupts > 1) _exit(130);
}
}  // namespace

void InstallInterruptFlag(CancelFlag* flag) {
  g_interrupt = flag;
  struct sigaction sa {};
  sa.sa_handler = OnInterrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace detour
