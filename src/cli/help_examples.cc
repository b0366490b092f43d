#include "cli/help_examples.h"

#include <CLI/CLI.hpp>
#include <map>
#include <string>

namespace detour {
namespace {

// Keyed by the subcommand's path ("chat", "config convert"). Each line is a command a
// user can paste, with what it does after a #.
const std::map<std::string, std::string>& Examples() {
  static const std::map<std::string, std::string> examples = {
      {"chat",
       "  detour chat \"why is the sky blue\"\n"
       "  git diff | detour chat \"write a commit message for this diff\"\n"
       "  detour chat -m fast -s \"answer in one line\" \"what is TCP\"\n"
       "  tail -n 200 app.log | detour chat -v \"what failed?\"   # -v: every attempt on stderr\n"
       "  detour chat --json --no-stream \"hi\" | jq -r .choices[0].message.content\n"},
      {"serve",
       "  detour serve                                # OpenAI-compatible on 127.0.0.1:4000\n"
       "  detour --config prod.toml serve --listen 127.0.0.1:8080\n"
       "  detour serve --demo                         # no keys: simulated providers, a failover a minute in three\n"
       "  kill -HUP $(pidof detour)                   # reload the config, keep connections\n"},
      {"check",
       "  detour check                                # lint, then probe every deployment\n"
       "  detour check --offline                      # lint only, no network\n"
       "  detour check --format github --allow-degraded   # in a CI workflow\n"
       "  detour check -m gpt-4o --format junit -o check.xml\n"
       "  detour check --explain same-provider-fallback\n"},
      {"status",
       "  detour status                               # the serve of the discovered config\n"
       "  detour status --url http://127.0.0.1:8080 --watch\n"
       "  detour status --format json | jq .deployments\n"},
      {"init",
       "  detour init                                 # ./detour.toml from the keys found\n"
       "  detour init -o ~/.config/detour/config.toml --no-local\n"},
      {"config",
       "  detour config convert config.yaml > detour.toml\n"},
      {"config convert",
       "  detour config convert config.yaml > detour.toml   # LiteLLM -> detour\n"
       "  detour --config config.yaml check --offline        # or use the YAML as it is\n"},
      {"sim",
       "  detour sim --trace examples/traces/openai-5xx-incident.toml   # prints a base URL per provider\n"
       "  detour sim --trace outages.jsonl --listen 127.0.0.1:9000       # replay a [record] file\n"},
      {"bench",
       "  detour bench                                # the shipped traces; no config found: the demo one\n"
       "  detour --config detour.toml bench examples/traces/rate-limit-burst.toml\n"
       "  detour bench --speed 10 --format json -o bench.json --plot bench.svg\n"},
      {"version",
       "  detour version                              # version, commit, compiler, OpenSSL\n"},
  };
  return examples;
}

void AddTo(CLI::App& cmd, const std::string& path) {
  const auto& examples = Examples();
  auto it = examples.find(path);
  if (it != examples.end() && cmd.get_footer().empty()) cmd.footer("\nExamples:\n" + it->second);
  for (auto* sub : cmd.get_subcommands([](CLI::App*) { return true; }))
    AddTo(*sub, path + " " + sub->get_name());
}

}  // namespace

void AddHelpExamples(CLI::App& app) {
  for (auto* sub : app.get_subcommands([](CLI::App*) { return true; })) AddTo(*sub, sub->get_name());
}

}  // namespace detour
