// `detour version`: the version and what the binary was built from and with, for bug
// reports. DETOUR_VERSION, DETOUR_GIT_COMMIT and DETOUR_BUILD_TYPE are set for this one
// file by CMakeLists.txt at configure time (the commit is "unknown" outside a git checkout),
// so a new commit recompiles only this file. No build date: it would make every build
// differ and defeat ccache.
#include <openssl/crypto.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"

#ifndef DETOUR_VERSION
#define DETOUR_VERSION "0.0.0"
#endif
#ifndef DETOUR_GIT_COMMIT
#define DETOUR_GIT_COMMIT "unknown"
#endif
#ifndef DETOUR_BUILD_TYPE
#define DETOUR_BUILD_TYPE "unknown"
#endif

namespace detour {
namespace {

const char* Compiler() {
#if defined(__clang__)
  return "clang " __clang_version__;
#elif defined(__GNUC__)
  return "gcc " __VERSION__;
#else
  return "unknown";
#endif
}

}  // namespace

void AddVersionCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("version", "print the version and build info");
  cmd->callback([exit_code] {
    std::cout << "detour " << DETOUR_VERSION << "\n"
              << "commit:     " << DETOUR_GIT_COMMIT << "\n"
              << "build type: " << DETOUR_BUILD_TYPE << "\n"
              << "compiler:   " << Compiler() << ", C++" << __cplusplus / 100 % 100 << "\n"
              << "openssl:    " << OpenSSL_version(OPENSSL_VERSION) << " (built with "
              << OPENSSL_VERSION_TEXT << ")\n";
    *exit_code = 0;
  });
}

}  // namespace detour
