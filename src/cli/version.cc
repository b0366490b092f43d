#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"

#ifndef DETOUR_VERSION
#define DETOUR_VERSION "0.1.0"
#endif

namespace detour {

void AddVersionCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("version", "print the version");
  cmd->callback([exit_code] {
    std::cout << "detour " << DETOUR_VERSION << "\n";
    *exit_code = 0;
  });
}

}  // namespace detour
