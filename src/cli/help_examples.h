// The "Examples:" footer of every subcommand's --help, kept in one place so the examples
// read as a set (and match man/detour.1's EXAMPLES) instead of being spread over each
// subcommand's file.
#pragma once

namespace CLI {
class App;
}

namespace detour {

// Sets the footer of each subcommand of `app` (nested ones too, e.g. "config convert") that
// has examples here. A subcommand that already set its own footer keeps it. Call once,
// after every subcommand is added.
void AddHelpExamples(CLI::App& app);

}  // namespace detour
