// Builds the CLI11 app from the subcommands and runs it. Returns the process exit code
// (SPEC 1: 0 ok, 1 the work failed, 2 usage/config error, 130 interrupted).
#pragma once

namespace detour {
int RunCli(int argc, char** argv);
}
