// `detour init [-o PATH] [--force] [--no-local]`: writes a starter detour.toml from what it
// finds — provider keys in the environment (as `${VAR}` references, never their values)
// and a local Ollama ($OLLAMA_HOST, else 127.0.0.1:11434) or llama.cpp server
// ($LLAMA_ARG_HOST:$LLAMA_ARG_PORT, else 127.0.0.1:8080) — with the backup on another
// provider than the primary, then lints it as `check --offline` does.
// Exit 0 written and clean; 1 nothing found, file exists without --force, or lint errors.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>

#include "check/lint.h"
#include "check/finding.h"
#include "check/report.h"
#include "cli/commands.h"
#include "cli/diagnostics.h"
#include "cli/init_config.h"
#include "cli/runtime.h"
#include "config/load.h"
#include "net/http_client.h"

namespace detour {
namespace {

struct InitOptions {
  std::string output = "detour.toml";
  bool force = false;
  bool no_local = false;
};

std::optional<std::string> Env(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

std::string WithScheme(std::string hostport) {
  if (hostport.find("://") == std::string::npos) hostport = "http://" + hostport;
  while (!hostport.empty() && hostport.back() == '/') hostport.pop_back();
  return hostport;
}

// GET url within 500 ms; the parsed JSON body of a 200, else nullopt.
std::optional<Json> GetJson(net::HttpClient& http, const std::string& url) {
  net::Deadline deadline(SteadyClock::now() + std::chrono::milliseconds(500));
  net::Request req;
  req.method = "GET";
  req.url = url;
  req.deadline = &deadline;
  auto r = http.Send(req);
  if (!r.ok() || r->status != 200) return std::nullopt;
  auto j = Json::parse(r->body, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

std::vector<FoundProvider> LocalServers(net::HttpClient& http) {
  std::vector<FoundProvider> out;
  auto ollama_host = Env("OLLAMA_HOST");
  std::string ollama = WithScheme(ollama_host && !ollama_host->empty() ? *ollama_host : "127.0.0.1:11434");
  if (auto tags = GetJson(http, ollama + "/api/tags")) {
    std::string model = "llama3.2";
    if (tags->contains("models") && (*tags)["models"].is_array() && !(*tags)["models"].empty())
      model = (*tags)["models"][0].value("name", model);
    out.push_back({"openai-compatible", "Ollama at " + ollama, model, "", ollama + "/v1", "", std::make_pair(0.0, 0.0)});
  }
  auto host = Env("LLAMA_ARG_HOST"), port = Env("LLAMA_ARG_PORT");
  std::string llama = WithScheme((host && !host->empty() ? *host : "127.0.0.1") + ":" +
                                 (port && !port->empty() ? *port : "8080"));
  if (auto models = GetJson(http, llama + "/v1/models")) {
    std::string model = "local";
    if (models->contains("data") && (*models)["data"].is_array() && !(*models)["data"].empty())
      model = (*models)["data"][0].value("id", model);
    out.push_back({"openai-compatible", "llama.cpp server at " + llama, model, "", llama + "/v1", "", std::make_pair(0.0, 0.0)});
  }
  return out;
}

std::string Today() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

bool WriteFile(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

// `check --offline` on the new file: the lint table, and whether it found an error.
bool LintClean(const std::string& path) {
  auto loaded = LoadConfigFileForLint(path);
  if (!loaded) {
    ReportConfigErrors(loaded.error());
    return false;
  }
  check::CheckReport r;
  r.config_file = path;
  r.offline = true;
  r.groups = loaded->config.GroupNames();
  r.findings = check::Lint(*loaded, {});
  std::cout << check::RenderTable(r, false);
  return check::ExitCode(r, false) == 0;
}

int RunInit(const InitOptions& o) {
  if (!o.force && access(o.output.c_str(), F_OK) == 0) {
    PrintError(o.output + " already exists; detour init leaves it alone (use --force to replace it)");
    return kExitFailed;
  }
  auto found = HostedProviders(Env);
  if (!o.no_local) {
    auto http = net::MakeHttpClient();
    for (auto& p : LocalServers(*http)) found.push_back(std::move(p));
  }
  if (found.empty()) {
    PrintError("found no provider: set OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY or "
               "AZURE_OPENAI_API_KEY + AZURE_OPENAI_ENDPOINT, or start Ollama, then run detour init again "
               "(or try `detour serve --demo`, which needs no key)");
    return kExitFailed;
  }
  if (!WriteFile(o.output, InitConfigText(found, Today()))) {
    PrintError("cannot write " + o.output);
    return kExitFailed;
  }
  std::cout << "wrote " << o.output << " (";
  for (size_t i = 0; i < found.size(); ++i) std::cout << (i ? ", " : "") << found[i].label;
  std::cout << ")\n\n";
  bool clean = LintClean(o.output);
  std::cout << "\nnext: detour --config " << o.output << " check    # probe every deployment\n"
            << "      detour --config " << o.output << " serve    # the proxy on 127.0.0.1:4000\n";
  return clean ? kExitOk : kExitFailed;
}

}  // namespace

void AddInitCommand(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<InitOptions>();
  auto* cmd = app.add_subcommand("init", "write a starter detour.toml from the keys and local servers found");
  cmd->add_option("-o,--output", o->output, "where to write it (default: ./detour.toml)");
  cmd->add_flag("--force", o->force, "replace an existing file");
  cmd->add_flag("--no-local", o->no_local, "do not look for Ollama or llama.cpp on their local ports");
  cmd->footer(
      "\nExamples:\n"
      "  OPENAI_API_KEY=... ANTHROPIC_API_KEY=... detour init   # OpenAI primary, Anthropic backup\n"
      "  detour init -o ~/.config/detour/config.toml\n");
  cmd->callback([o, exit_code] { *exit_code = RunInit(*o); });
}

}  // namespace detour
