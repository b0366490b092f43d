// Each subcommand registers its options and run function on the app (CLI11's
// subcom_in_files pattern). The run function's exit code is stored in *exit_code.
#pragma once

namespace CLI {
class App;
}

namespace detour {
struct GlobalOptions;

void AddCheckCommand(CLI::App& app, const GlobalOptions& g, int* exit_code);
void AddChatCommand(CLI::App& app, const GlobalOptions& g, int* exit_code);
void AddServeCommand(CLI::App& app, const GlobalOptions& g, int* exit_code);
void AddConfigCommand(CLI::App& app, const GlobalOptions& g, int* exit_code);
void AddStatusCommand(CLI::App& app, const GlobalOptions& g, int* exit_code);
void AddInitCommand(CLI::App& app, int* exit_code);
void AddSimCommand(CLI::App& app, const GlobalOptions& g, int* exit_code);
void AddBenchCommand(CLI::App& app, const GlobalOptions& g, int* exit_code);
void AddVersionCommand(CLI::App& app, int* exit_code);
void AddCompleteCommand(CLI::App& app, const GlobalOptions& g, int* exit_code);  // hidden

}  // namespace detour
