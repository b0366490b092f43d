// What every subcommand shares: the global options, loading the config (exit 2 with
// file:line on problems), and building the routing core from it.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "config/load.h"
#include "core/router.h"
#include "net/http_client.h"

namespace detour {

struct GlobalOptions {
  std::string config_path;
  std::string log_level = "info";
  std::string log_format = "text";
  std::optional<uint64_t> seed;  // --seed: fixes every random choice of the router
};

// Applies --log-level / --log-format. Returns false (after printing) on a bad value.
bool ApplyLogOptions(const GlobalOptions& g);

// Loads the discovered config or prints why not. nullopt = the caller exits 2.
std::optional<Config> LoadConfigOrReport(const GlobalOptions& g);

// Registers every secret of `config` with the log redactor.
void RegisterSecrets(const Config& config);

// The routing core over the production HTTP client, the in-process state store and the
// real clock. Owns what the router needs.
struct Runtime {
  std::unique_ptr<net::HttpClient> http;
  std::shared_ptr<StateStore> store;
  std::unique_ptr<Router> router;
  // A new route table for a reloaded config, over the same client, store and clock.
  std::shared_ptr<const RouteTable> BuildTable(Config config);
};
Runtime BuildRuntime(const Config& config, const GlobalOptions& g);
// The [state] backend: the in-process store, or the shared Redis one (which connects in
// the background and routes on local state until it can).
std::shared_ptr<StateStore> MakeStateStore(const StateConfig& s);

// Sets `flag` on SIGINT/SIGTERM (a second SIGINT exits 130 at once). Process-wide.
void InstallInterruptFlag(CancelFlag* flag);

}  // namespace detour
