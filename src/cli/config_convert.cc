// `detour config convert LITELLM_YAML` (SPEC 1, 2.4): prints the detour.toml equivalent of
// a LiteLLM config.yaml on stdout. The YAML is loaded first exactly as `--config` would
// load it, so a file that would not load (unsupported key, unknown fallback group) exits 2
// with its problems instead of producing a TOML that fails later. Keys stay references:
// os.environ/VAR becomes ${VAR}, a plain-text key becomes ${NAME} with a comment asking
// the user to export it; no secret is ever printed.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/diagnostics.h"
#include "cli/runtime.h"
#include "config/litellm.h"

namespace detour {
namespace {

int RunConvert(const GlobalOptions& g, const std::string& path) {
  if (!ApplyLogOptions(g)) return kExitUsage;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    PrintError(path + ": cannot read the file");
    return kExitUsage;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (!LooksLikeLiteLLM(path, text.str())) {
    PrintError(path + ": not a LiteLLM config (expected a .yaml/.yml file with a model_list)");
    return kExitUsage;
  }
  auto loaded = LoadConfigTextForLint(text.str(), path);
  if (!loaded) return ReportConfigErrors(loaded.error());
  if (!loaded->issues.empty()) return ReportConfigErrors(ConfigErrors{false, loaded->issues});
  auto converted = ConvertLiteLLM(text.str(), path, SecretStyle::kReference);
  if (!converted) return ReportConfigErrors(converted.error());
  std::cout << converted->toml << std::flush;
  return kExitOk;
}

}  // namespace

void AddConfigCommand(CLI::App& app, const GlobalOptions& g, int* exit_code) {
  auto* config = app.add_subcommand("config", "config file tools");
  config->require_subcommand(1);
  auto* convert = config->add_subcommand(
      "convert", "print the detour.toml equivalent of a LiteLLM config.yaml\n"
                 "  example: detour config convert config.yaml > detour.toml");
  auto path = std::make_shared<std::string>();
  convert->add_option("LITELLM_YAML", *path, "the LiteLLM config.yaml")->required();
  convert->callback([&g, exit_code, path] { *exit_code = RunConvert(g, *path); });
}

}  // namespace detour
