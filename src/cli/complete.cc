// `detour __complete WHAT` (hidden from --help): what the shell completions in completions/
// cannot know statically, asked of the binary so they never drift from it.
//   models  the model group names of the config `--config` (or discovery) finds
//   rules   the lint rules `check --explain` accepts
// Prints one name per line and always exits 0: a completion must never print an error
// into the user's command line, so a missing or broken config completes nothing. The
// config is read leniently (as `check` does), so a file with a typo still completes its
// groups, and no key variable needs to be set.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>

#include "check/explain.h"
#include "cli/commands.h"
#include "cli/diagnostics.h"
#include "cli/runtime.h"
#include "config/load.h"

namespace detour {
namespace {

std::vector<std::string> ModelGroups(const std::string& config_path) {
  auto path = DiscoverConfigPath(config_path);
  if (!path) return EmbeddedDefaultConfig().GroupNames();
  auto loaded = LoadConfigFileForLint(*path);
  if (!loaded) return {};
  return loaded->config.GroupNames();
}

void PrintCompletions(const std::string& what, const std::string& config_path) {
  std::vector<std::string> names;
  if (what == "models") names = ModelGroups(config_path);
  else if (what == "rules") names = check::RuleNames();
  for (const auto& n : names) std::cout << n << "\n";
  std::cout << std::flush;
}

}  // namespace

void AddCompleteCommand(CLI::App& app, const GlobalOptions& g, int* exit_code) {
  auto* cmd = app.add_subcommand("__complete", "names for the shell completions");
  cmd->group("");  // hidden: not listed by --help
  auto what = std::make_shared<std::string>();
  auto config = std::make_shared<std::string>();
  cmd->add_option("WHAT", *what, "models | rules")->required();
  cmd->add_option("--config", *config, "config file (default: the global --config, then discovery)");
  cmd->callback([&g, exit_code, what, config] {
    PrintCompletions(*what, config->empty() ? g.config_path : *config);
    *exit_code = kExitOk;
  });
}

}  // namespace detour
