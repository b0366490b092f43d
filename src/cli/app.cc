#include "cli/app.h"

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/diagnostics.h"
#include "cli/help_examples.h"
#include "cli/runtime.h"

namespace detour {

int RunCli(int argc, char** argv) {
  CLI::App app{"detour: an LLM gateway that keeps answering when a provider has a bad night"};
  app.require_subcommand(1);
  app.fallthrough();  // the global options may also follow the subcommand: detour chat --config F
  GlobalOptions g;
  app.add_option("--config", g.config_path, "config file (default: $DETOUR_CONFIG, ./detour.toml, "
                                            "~/.config/detour/config.toml, else built from API key variables)");
  app.add_option("--log-level", g.log_level, "error | warn | info | debug | trace");
  app.add_option("--log-format", g.log_format, "text | json");
  app.add_option("--seed", g.seed, "fix every random choice (load balancing, backoff jitter) for a "
                                   "repeatable run");

  int exit_code = kExitOk;
  AddChatCommand(app, g, &exit_code);
  AddServeCommand(app, g, &exit_code);
  AddCheckCommand(app, g, &exit_code);
  AddStatusCommand(app, g, &exit_code);
  AddInitCommand(app, &exit_code);
  AddConfigCommand(app, g, &exit_code);
  AddSimCommand(app, g, &exit_code);
  AddBenchCommand(app, g, &exit_code);
  AddVersionCommand(app, &exit_code);
  AddCompleteCommand(app, g, &exit_code);
  AddHelpExamples(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  return exit_code;
}

}  // namespace detour
