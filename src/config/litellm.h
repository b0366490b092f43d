// LiteLLM's config.yaml (SPEC 2.4): `model_list` / `litellm_params`, `router_settings`,
// the `litellm_settings` and `general_settings` keys that matter for routing. A YAML file
// is translated into detour TOML and loaded by the TOML loader, so it yields the very
// Config (and validation) a detour.toml would: the routing is identical by construction.
//
// Keys detour does not support are errors (file:line, key path, exit 2); keys LiteLLM
// users commonly carry that change nothing about routing (callbacks, logging, Redis
// settings, model_info metadata, general_settings other than master_key...) are dropped
// with a warning each. A plain-text api_key is accepted with a warning that never shows
// the value. A file without `model_list` (a router_settings fragment) is unreadable.
#pragma once

#include <string>
#include <vector>

#include "config/load.h"

namespace detour {

// True when `file` ends in .yaml/.yml, or the text has a LiteLLM top-level key
// (model_list:, router_settings:, litellm_settings:, general_settings:) at column 0,
// which TOML never has.
bool LooksLikeLiteLLM(const std::string& file, const std::string& text);

// How a plain-text api_key (or master_key) is written into the TOML.
enum class SecretStyle {
  kInline,     // the value itself: the in-memory load path only, never shown
  kReference,  // "${VAR}" with a comment asking the user to export VAR: `config convert`
};

struct LiteLLMConversion {
  std::string toml;                   // the equivalent detour.toml
  std::vector<ConfigIssue> errors;    // unsupported keys and bad values (YAML lines)
  std::vector<ConfigIssue> warnings;  // dropped keys, plain-text keys (YAML lines)
  std::vector<int> yaml_lines;        // TOML line n (1-based) came from YAML line yaml_lines[n-1] (0: none)
  std::vector<std::pair<std::string, std::string>> paths;  // TOML key path -> YAML key path
};

// Fails (ConfigErrors::unreadable) when the text is not YAML or has no model_list.
Expected<LiteLLMConversion, ConfigErrors> ConvertLiteLLM(const std::string& text,
                                                         const std::string& file,
                                                         SecretStyle secrets);

// The YAML load path behind LoadConfigTextForLint: converts (kInline), loads the TOML,
// and reports every issue against the YAML's lines and key paths. Warnings are logged
// (log::Warn) once per load. LintableConfig::lines keeps TOML key paths (what `check`
// looks up) with YAML lines.
Expected<LintableConfig, ConfigErrors> LoadLiteLLMTextForLint(const std::string& text,
                                                              const std::string& file,
                                                              const EnvLookup& env);

// The TOML loader itself (config/load.cc), without the YAML dispatch.
Expected<LintableConfig, ConfigErrors> LoadTomlTextForLint(const std::string& text,
                                                           const std::string& file,
                                                           const EnvLookup& env);

}  // namespace detour
