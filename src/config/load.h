// Loading the config (SPEC 1 discovery, 2.1 values, 2.2 validation, 2.6 embedded default).
// The whole file is validated before anything starts; every problem found is reported,
// each with file:line, the key path and, for unknown names, a did-you-mean.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"

namespace detour {

struct ConfigIssue {
  std::string file;
  int line = 0;          // 0 when unknown
  std::string key_path;  // "router.fallbacks.fast[1]", "deployments[2].modle"
  std::string message;   // "unknown key \"modle\" (did you mean \"model\"?)"
  // "detour.toml:14: router.fallbacks.fast[1]: unknown model group ..."
  std::string ToString() const;
};

struct ConfigErrors {
  bool unreadable = false;  // the file could not be read or is not valid TOML
  std::vector<ConfigIssue> issues;
};

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup ProcessEnv();  // reads the real environment

// Parses and validates TOML text. `file` names it in messages.
Expected<Config, ConfigErrors> LoadConfigText(const std::string& text, const std::string& file,
                                              const EnvLookup& env = ProcessEnv());
Expected<Config, ConfigErrors> LoadConfigFile(const std::string& path,
                                              const EnvLookup& env = ProcessEnv());

// `detour check` (SPEC 8): a config that parses but fails validation is still reported,
// so check needs whatever was read beside the issues. `config` is what the readers
// produced (a bad value keeps its default, an unknown key is skipped, fallback maps are
// kept as written); `lines` maps every key path read to its line. Fails only when the
// file is unreadable or not valid TOML (ConfigErrors::unreadable).
struct LintableConfig {
  Config config;
  std::vector<ConfigIssue> issues;   // validation problems, in file order
  std::map<std::string, int> lines;  // "router.timeout" -> 12
};
Expected<LintableConfig, ConfigErrors> LoadConfigTextForLint(const std::string& text,
                                                             const std::string& file,
                                                             const EnvLookup& env = ProcessEnv());
Expected<LintableConfig, ConfigErrors> LoadConfigFileForLint(const std::string& path,
                                                             const EnvLookup& env = ProcessEnv());

// Discovery (SPEC 1): explicit path, else $DETOUR_CONFIG, else ./detour.toml, else
// $XDG_CONFIG_HOME/detour/config.toml (~/.config/detour/config.toml). nullopt = none found,
// use the embedded default.
std::optional<std::string> DiscoverConfigPath(const std::string& explicit_path,
                                              const EnvLookup& env = ProcessEnv());

// SPEC 2.6: one group per provider whose key is set, plus a cross-provider "default".
// Has no deployments when no key is set (callers explain what to do).
Config EmbeddedDefaultConfig(const EnvLookup& env = ProcessEnv());

// Loads what discovery finds, or the embedded default.
Expected<Config, ConfigErrors> LoadDiscoveredConfig(const std::string& explicit_path,
                                                    const EnvLookup& env = ProcessEnv());

}  // namespace detour
