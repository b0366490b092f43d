// `detour status [--url URL] [--watch] [--format table|json]` (SPEC 9): what GET /ui shows,
// in the terminal, read from a running `serve`'s /ui/status.json. The URL defaults to the
// config's server.listen; the client key to $DETOUR_API_KEY, else the config's first key
// (the same machine's sidecar). Exit 0 when serve answered, 1 when it could not be read.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "cli/commands.h"
#include "cli/diagnostics.h"
#include "cli/runtime.h"
#include "cli/status_table.h"
#include "config/load.h"
#include "net/http_client.h"

namespace detour {
namespace {

struct StatusOptions {
  std::string url;
  std::string format = "table";
  bool watch = false;
};

struct Target {
  std::string url;  // "http://127.0.0.1:4000"
  std::string key;  // "" = none
};

Target ResolveTarget(const GlobalOptions& g, const StatusOptions& o) {
  Target t{o.url, ""};
  if (const char* k = std::getenv("DETOUR_API_KEY")) t.key = k;
  // The config is optional here: a bad or missing one just leaves the defaults.
  auto config = LoadDiscoveredConfig(g.config_path);
  if (config.ok()) {
    // A serve listening on every address is reached on loopback.
    if (t.url.empty()) {
      std::string listen = config->server.listen;
      for (const char* any : {"0.0.0.0:", "[::]:"})
        if (listen.rfind(any, 0) == 0) listen = "127.0.0.1:" + listen.substr(std::string(any).size());
      t.url = "http://" + listen;
    }
    if (t.key.empty() && !config->server.api_keys.empty()) t.key = config->server.api_keys.front();
  }
  if (t.url.empty()) t.url = "http://127.0.0.1:4000";
  if (t.url.find("://") == std::string::npos) t.url = "http://" + t.url;
  while (!t.url.empty() && t.url.back() == '/') t.url.pop_back();
  return t;
}

Expected<Json, std::string> Fetch(net::HttpClient& http, const Target& t) {
  net::Deadline deadline(SteadyClock::now() + std::chrono::seconds(5));
  net::Request req;
  req.method = "GET";
  req.url = t.url + "/ui/status.json";
  req.deadline = &deadline;
  if (!t.key.empty()) req.headers.emplace_back("Authorization", "Bearer " + t.key);
  auto r = http.Send(req);
  if (!r.ok()) return Fail("cannot reach detour at " + t.url + ": " + r.error().message);
  if (r->status == 401) return Fail("detour at " + t.url + " wants a client key: set DETOUR_API_KEY");
  if (r->status != 200) return Fail("detour at " + t.url + " answered HTTP " + std::to_string(r->status) +
                                    " for /ui/status.json (is it a detour serve?)");
  auto j = Json::parse(r->body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Fail(std::string("detour answered something other than JSON"));
  return j;
}

int RunStatus(const GlobalOptions& g, const StatusOptions& o) {
  if (o.format != "table" && o.format != "json") {
    PrintError("--format must be table or json");
    return kExitUsage;
  }
  Target t = ResolveTarget(g, o);
  auto http = net::MakeHttpClient();
  bool tty = isatty(STDOUT_FILENO);
  for (;;) {
    auto s = Fetch(*http, t);
    if (!s.ok() && !o.watch) {
      PrintError(s.error());
      return kExitFailed;
    }
    std::string text = !s.ok() ? "detour: " + s.error() + "\n"
                       : o.format == "json" ? s->dump() + "\n"
                                            : RenderStatusTable(*s, t.url);
    if (o.watch && tty) std::fputs("\x1b[H\x1b[2J", stdout);  // redraw in place
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);
    if (!o.watch) return kExitOk;
    std::this_thread::sleep_for(std::chrono::seconds(2));  // the page's refresh period
  }
}

}  // namespace

void AddStatusCommand(CLI::App& app, const GlobalOptions& g, int* exit_code) {
  auto opts = std::make_shared<StatusOptions>();
  auto* cmd = app.add_subcommand("status", "show a running serve's deployments, failovers and team spend");
  cmd->add_option("--url", opts->url, "the serve to ask (default: http:// + server.listen)");
  cmd->add_flag("--watch,-w", opts->watch, "refresh every 2 s until interrupted");
  cmd->add_option("--format", opts->format, "table (default) or json");
  cmd->callback([&g, opts, exit_code] { *exit_code = RunStatus(g, *opts); });
}

}  // namespace detour
